package dev.hfc.campaign.consent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.hfc.campaign.send.CampaignMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign service's public endpoints, on its HTTP port:
 * <ul>
 *   <li>{@code POST /unsubscribe?t=TOKEN} with body {@code List-Unsubscribe=One-Click} (RFC 8058, what mail
 *       clients send): opts the customer out at once; 200 for a repeat too; 400 for a bad token or body,
 *       revealing nothing else.</li>
 *   <li>{@code GET /unsubscribe?t=TOKEN}: a small page with a button that POSTs. A GET never unsubscribes:
 *       link scanners and previews issue GETs.</li>
 *   <li>{@code POST /webhooks/bounces}: a bounce, complaint or unsubscribe reported by the mail provider, as
 *       JSON, signed with HMAC-SHA256 of the body in {@code X-Hfc-Signature: sha256=<hex>}.</li>
 * </ul>
 */
public final class ConsentEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ConsentEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;
    public static final String SIGNATURE_HEADER = "X-Hfc-Signature";

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
    private final CampaignMetrics metrics;
    private final byte[] webhookSecret;
    private final SoftBounces soft;

    /** @param webhookSecret null: the webhook answers 404 (not configured) */
    public ConsentEndpoints(UnsubscribeTokens tokens, ConsentStore store, CampaignMetrics metrics, byte[] webhookSecret,
                            SoftBounces soft) {
        this.tokens = tokens;
        this.store = store;
        this.metrics = metrics;
        this.webhookSecret = webhookSecret == null ? null : webhookSecret.clone();
        this.soft = soft;
    }

    public Map<String, HttpHandler> handlers() {
        Map<String, HttpHandler> h = new LinkedHashMap<>();
        h.put("/unsubscribe", this::unsubscribe);
        h.put("/webhooks/bounces", this::bounces);
        return h;
    }

    private void unsubscribe(HttpExchange x) throws IOException {
        try (x) {
            String token = query(x, "t");
            Optional<UUID> user = tokens.verify(token);
            switch (x.getRequestMethod()) {
                case "GET", "HEAD" -> {
                    if (user.isEmpty()) {
                        page(x, 400, "Link not valid", "<p>This unsubscribe link is not valid. It may be incomplete or "
                                + "too old. Use the link in a more recent email, or reply to it.</p>");
                        return;
                    }
                    // The token goes back only into the form's action: it is the visitor's own link.
                    page(x, 200, "Unsubscribe", "<p>Do you want to stop receiving these emails about paused deliveries?</p>"
                            + "<form method=\"post\" action=\"?t=" + escape(token) + "\">"
                            + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                            + "<input type=\"hidden\" name=\"via\" value=\"link\">"
                            + "<button type=\"submit\">Unsubscribe</button></form>");
                }
                case "POST" -> {
                    String body = body(x);
                    if (user.isEmpty()) {
                        page(x, 400, "Link not valid", "<p>This unsubscribe link is not valid.</p>");
                        return;
                    }
                    if (!isOneClick(body)) {
                        page(x, 400, "Not understood", "<p>Expected List-Unsubscribe=One-Click.</p>");
                        return;
                    }
                    ConsentStore.How how = body.contains("via=link") ? ConsentStore.How.LINK : ConsentStore.How.ONE_CLICK;
                    boolean isNew = store.optOut(user.get(), null, how, null);
                    if (isNew) {
                        Optional<ConsentStore.Delivery> d = store.latestDelivery(user.get());
                        metrics.feedback("unsubscribed", d.map(ConsentStore.Delivery::week).orElse(null),
                                d.map(ConsentStore.Delivery::segment).orElse(null));
                        LOG.info("campaign: user {} unsubscribed ({})", user.get(), how.wire());
                    }
                    page(x, 200, "Unsubscribed", "<p>You are unsubscribed: you will get no more of these emails.</p>");
                }
                default -> {
                    x.getResponseHeaders().set("Allow", "GET, POST");
                    x.sendResponseHeaders(405, -1);
                }
            }
        } catch (SQLException e) {
            LOG.error("campaign: an unsubscribe could not be stored", e);
            page(x, 503, "Try again", "<p>We could not record this just now. Please try again in a minute.</p>");
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

    private void bounces(HttpExchange x) throws IOException {
        try (x) {
            if (webhookSecret == null) {
                json(x, 404, Map.of("error", "the bounce webhook is not configured (--webhook-secret)"));
                return;
            }
            if (!"POST".equals(x.getRequestMethod())) {
                x.getResponseHeaders().set("Allow", "POST");
                x.sendResponseHeaders(405, -1);
                return;
            }
            byte[] raw = bodyBytes(x);
            if (raw == null) {
                json(x, 413, Map.of("error", "body larger than " + MAX_BODY + " bytes"));
                return;
            }
            if (!signatureMatches(x.getRequestHeaders().getFirst(SIGNATURE_HEADER), raw)) {
                json(x, 401, Map.of("error", "missing or wrong " + SIGNATURE_HEADER + " (sha256=<hex HMAC-SHA256 of the body>)"));
                return;
            }
            JsonNode event;
            try {
                event = JSON.readTree(raw);
            } catch (IOException e) {
                json(x, 400, Map.of("error", "body is not JSON"));
                return;
            }
            String email = text(event, "email");
            String type = text(event, "type");
            if (email == null || email.isBlank() || email.length() > 255 || type == null) {
                json(x, 400, Map.of("error", "expected {\"email\": ..., \"type\": \"hard|soft|complaint|unsubscribe\", "
                        + "\"message_id\"?, \"event_id\"?, \"reason\"?}"));
                return;
            }
            String messageId = text(event, "message_id");
            Optional<ConsentStore.Delivery> delivery = store.delivery(messageId, email);
            String week = delivery.map(ConsentStore.Delivery::week).orElse(null);
            String segment = delivery.map(ConsentStore.Delivery::segment).orElse(null);
            String effect;
            switch (type.toLowerCase(Locale.ROOT)) {
                case "unsubscribe" -> {
                    boolean isNew = store.optOut(email, ConsentStore.How.WEBHOOK, text(event, "reason"));
                    effect = isNew ? "unsubscribed" : "duplicate";
                    if (isNew) {
                        metrics.feedback("unsubscribed", week, segment);
                    }
                }
                case "hard", "soft", "complaint" -> {
                    ConsentStore.BounceType t = ConsentStore.BounceType.valueOf(type.toUpperCase(Locale.ROOT));
                    ConsentStore.Effect e = store.report(email, t, messageId, text(event, "event_id"), text(event, "reason"),
                            soft.limit(), soft.window());
                    effect = e.name().toLowerCase(Locale.ROOT);
                    if (e != ConsentStore.Effect.DUPLICATE) {
                        metrics.feedback(t == ConsentStore.BounceType.COMPLAINT ? "complained" : "bounced", week, segment);
                    }
                    if (e == ConsentStore.Effect.SUPPRESSED) {
                        LOG.info("campaign: <{}> suppressed after a {} report", email, t.wire());
                    }
                }
                default -> {
                    json(x, 400, Map.of("error", "type must be hard, soft, complaint or unsubscribe"));
                    return;
                }
            }
            json(x, 200, Map.of("effect", effect));
        } catch (SQLException e) {
            LOG.error("campaign: a bounce report could not be stored", e);
            json(x, 503, Map.of("error", "could not store the report; send it again"));
        }
    }

    boolean signatureMatches(String header, byte[] body) {
        if (header == null || !header.startsWith("sha256=")) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(7).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(sign(webhookSecret, body), given);
    }

    /** HMAC-SHA256 of {@code body}: what a provider's relay puts in {@code X-Hfc-Signature} as {@code sha256=<hex>}. */
    public static byte[] sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    private static String query(HttpExchange x, String name) {
        String q = x.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static byte[] bodyBytes(HttpExchange x) throws IOException {
        try (InputStream in = x.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            return bytes.length > MAX_BODY ? null : bytes;
        }
    }

    private static String body(HttpExchange x) throws IOException {
        byte[] bytes = bodyBytes(x);
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static void page(HttpExchange x, int status, String title, String content) throws IOException {
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">"
                + "<title>" + title + "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">"
                + "<h1>" + title + "</h1>" + content + "</body></html>";
        send(x, status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private static void json(HttpExchange x, int status, Map<String, String> body) throws IOException {
        send(x, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange x, int status, String type, byte[] bytes) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(x.getRequestMethod())) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
