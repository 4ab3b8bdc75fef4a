package dev.hfc.campaign.consent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.core.email.EmailAddresses;
import dev.hfc.core.http.HttpRequest;
import dev.hfc.core.http.HttpResponse;
import dev.hfc.core.http.Route;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign service's public endpoints, on its public listener:
 * <ul>
 *   <li>{@code POST /unsubscribe?t=TOKEN} with body {@code List-Unsubscribe=One-Click} (RFC 8058, what mail
 *       clients send): opts the customer out at once; 200 for a repeat too; 400 for a bad token or body,
 *       revealing nothing else; 503 with a page while the database cannot record it.</li>
 *   <li>{@code GET /unsubscribe?t=TOKEN}: a small page with a button that POSTs. A GET never unsubscribes:
 *       link scanners and previews issue GETs.</li>
 *   <li>{@code POST /webhooks/bounces}: a bounce, complaint or unsubscribe reported by the mail provider, as
 *       JSON, authenticated as the Standard Webhooks convention says ({@link StandardWebhooks}): a message id,
 *       a timestamp within the tolerance, and an HMAC-SHA256 signature over both and the body. A message id
 *       seen before is answered 200 {@code duplicate} and changes nothing, so a captured request cannot be
 *       replayed (to undo a resubscribe, say) and a provider's retry is harmless.</li>
 * </ul>
 * Addresses from the webhook are compared in their canonical form ({@link EmailAddresses#canonical}).
 */
public final class ConsentEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ConsentEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Soft bounces that suppress an address, and the window they must fall in. */
    public record SoftBounces(int limit, Duration window) {
        public SoftBounces {
            if (limit < 1 || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("soft bounce limit must be at least 1 and the window positive");
            }
        }
    }

    private final UnsubscribeTokens tokens;
    private final ConsentStore store;
    private final BounceStore bounces;
    private final CampaignMetrics metrics;
    private final StandardWebhooks webhooks;
    private final SoftBounces soft;
    private final Clock clock;

    /** @param webhooks null: the webhook answers 404 (not configured) */
    public ConsentEndpoints(
            UnsubscribeTokens tokens,
            ConsentStore store,
            CampaignMetrics metrics,
            StandardWebhooks webhooks,
            SoftBounces soft,
            Clock clock) {
        this.tokens = tokens;
        this.store = store;
        this.bounces = store.bounces();
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.soft = soft;
        this.clock = clock;
    }

    public Map<String, Route> routes() {
        Map<String, Route> r = new LinkedHashMap<>();
        r.put("/unsubscribe", this::unsubscribe);
        r.put("/webhooks/bounces", this::bounces);
        return r;
    }

    HttpResponse unsubscribe(HttpRequest x) {
        String token = x.query("t");
        Optional<UUID> user = tokens.verify(token);
        switch (x.method()) {
            case "GET", "HEAD" -> {
                if (user.isEmpty()) {
                    return HttpResponse.page(
                            400,
                            "Link not valid",
                            "<p>This unsubscribe link is not valid. It may be incomplete or "
                                    + "too old. Use the link in a more recent email, or reply to it.</p>");
                }
                // The token goes back only into the form's action: it is the visitor's own link.
                return HttpResponse.page(
                        200,
                        "Unsubscribe",
                        "<p>Do you want to stop receiving these emails about paused deliveries?</p>"
                                + "<form method=\"post\" action=\"?t=" + HttpResponse.escape(token) + "\">"
                                + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                                + "<input type=\"hidden\" name=\"via\" value=\"link\">"
                                + "<button type=\"submit\">Unsubscribe</button></form>");
            }
            case "POST" -> {
                String body = x.bodyText();
                if (user.isEmpty()) {
                    return HttpResponse.page(400, "Link not valid", "<p>This unsubscribe link is not valid.</p>");
                }
                if (!isOneClick(body)) {
                    return HttpResponse.page(400, "Not understood", "<p>Expected List-Unsubscribe=One-Click.</p>");
                }
                ConsentStore.How how = body.contains("via=link") ? ConsentStore.How.LINK : ConsentStore.How.ONE_CLICK;
                try {
                    if (store.optOut(user.get(), null, how, null)) {
                        Optional<ConsentStore.Delivery> d = store.latestDelivery(user.get());
                        metrics.feedback(
                                "unsubscribed",
                                d.map(ConsentStore.Delivery::week).orElse(null),
                                d.map(ConsentStore.Delivery::segment).orElse(null));
                        LOG.info("campaign: user {} unsubscribed ({})", user.get(), how.wire());
                    }
                } catch (SQLException e) {
                    LOG.error(
                            "campaign: the unsubscribe of user {} could not be stored: {}", user.get(), e.getMessage());
                    metrics.consentUnavailable();
                    return HttpResponse.page(
                                    503,
                                    "Try again",
                                    "<p>We could not record this just now. Please try again in a minute.</p>")
                            .withHeader("Retry-After", "60");
                }
                return HttpResponse.page(
                        200, "Unsubscribed", "<p>You are unsubscribed: you will get no more of these emails.</p>");
            }
            default -> {
                return HttpResponse.methodNotAllowed("GET", "HEAD", "POST");
            }
        }
    }

    /** RFC 8058: the body holds the key/value pair List-Unsubscribe=One-Click (urlencoded or multipart). */
    static boolean isOneClick(String body) {
        String decoded = URLDecoder.decode(body.replace("+", "%2B"), StandardCharsets.UTF_8);
        for (String pair : decoded.split("&")) {
            if (pair.trim().equals("List-Unsubscribe=One-Click")) {
                return true;
            }
        }
        return body.contains("name=\"List-Unsubscribe\"") && body.contains("One-Click");
    }

    HttpResponse bounces(HttpRequest x) {
        if (webhooks == null) {
            return HttpResponse.json(404, Map.of("error", "the bounce webhook is not configured (--webhook-secret)"));
        }
        if (!"POST".equals(x.method())) {
            return HttpResponse.methodNotAllowed("POST");
        }
        String id = x.header(StandardWebhooks.ID_HEADER);
        StandardWebhooks.Verdict verdict = webhooks.verify(
                id,
                x.header(StandardWebhooks.TIMESTAMP_HEADER),
                x.header(StandardWebhooks.SIGNATURE_HEADER),
                x.body(),
                clock.instant());
        if (verdict != StandardWebhooks.Verdict.VALID) {
            LOG.warn("campaign: a bounce webhook from {} refused: {}", x.remote(), webhooks.describe(verdict));
            metrics.webhookRefused(verdict.name().toLowerCase(Locale.ROOT));
            return HttpResponse.json(401, Map.of("error", webhooks.describe(verdict)));
        }
        JsonNode event;
        try {
            event = JSON.readTree(x.body());
        } catch (IOException e) {
            return HttpResponse.json(400, Map.of("error", "body is not JSON"));
        }
        String rawEmail = event == null ? null : text(event, "email");
        String type = event == null ? null : text(event, "type");
        Optional<String> email = EmailAddresses.tryCanonical(rawEmail);
        if (email.isEmpty() || type == null) {
            return HttpResponse.json(
                    400,
                    Map.of(
                            "error",
                            "expected {\"email\": <an address>, \"type\": \"hard|soft|complaint|unsubscribe\", "
                                    + "\"message_id\"?, \"event_id\"?, \"reason\"?}"));
        }
        try {
            if (bounces.webhookSeen(id)) {
                return HttpResponse.json(200, Map.of("effect", "duplicate"));
            }
            String effect = apply(email.get(), type.toLowerCase(Locale.ROOT), event, id);
            if (effect == null) {
                return HttpResponse.json(400, Map.of("error", "type must be hard, soft, complaint or unsubscribe"));
            }
            bounces.recordWebhook(id);
            return HttpResponse.json(200, Map.of("effect", effect));
        } catch (SQLException e) {
            LOG.error("campaign: a bounce report (webhook-id {}) could not be stored: {}", id, e.getMessage());
            metrics.consentUnavailable();
            return HttpResponse.json(503, Map.of("error", "could not store the report; send it again"))
                    .withHeader("Retry-After", "60");
        }
    }

    /** Applies one verified event; its effect's name, or null for an unknown type. */
    private String apply(String email, String type, JsonNode event, String webhookId) throws SQLException {
        String messageId = text(event, "message_id");
        Optional<ConsentStore.Delivery> delivery = bounces.delivery(messageId, email);
        String week = delivery.map(ConsentStore.Delivery::week).orElse(null);
        String segment = delivery.map(ConsentStore.Delivery::segment).orElse(null);
        switch (type) {
            case "unsubscribe" -> {
                boolean isNew = store.optOut(email, ConsentStore.How.WEBHOOK, text(event, "reason"));
                if (isNew) {
                    metrics.feedback("unsubscribed", week, segment);
                }
                return isNew ? "unsubscribed" : "duplicate";
            }
            case "hard", "soft", "complaint" -> {
                BounceStore.BounceType t = BounceStore.BounceType.valueOf(type.toUpperCase(Locale.ROOT));
                // Each event counts once: the provider's event id, else the webhook message id (never null here).
                String eventId = Optional.ofNullable(text(event, "event_id")).orElse(webhookId);
                BounceStore.Effect e = bounces.report(
                        email, t, messageId, eventId, text(event, "reason"), soft.limit(), soft.window());
                if (e != BounceStore.Effect.DUPLICATE) {
                    metrics.feedback(t == BounceStore.BounceType.COMPLAINT ? "complained" : "bounced", week, segment);
                }
                if (e == BounceStore.Effect.SUPPRESSED) {
                    LOG.info("campaign: <{}> suppressed after a {} report", email, t.wire());
                }
                return e.name().toLowerCase(Locale.ROOT);
            }
            default -> {
                return null;
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }
}
