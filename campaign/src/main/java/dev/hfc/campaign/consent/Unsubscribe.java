package dev.hfc.campaign.consent;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * How a recipient leaves the campaign, as every message says it (RFC 2369, RFC 8058, RFC 2919): the
 * {@code List-Unsubscribe} header with an HTTPS one-click URL (and a mailto address, only when one is configured:
 * nothing would process mails to an address nobody set up),
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}, a {@code List-Id}, and the same URL for the
 * visible link in the body. The URL carries a sealed token ({@link UnsubscribeTokens}), never the user id.
 *
 * @param urlBase the unsubscribe endpoint as recipients reach it, e.g. {@code https://shop.example/hfc/unsubscribe}
 * @param mailto  the address that takes unsubscribe mails, e.g. {@code unsubscribe@shop.example}, or null for none;
 *                what arrives there is applied with {@code hfc campaign unsubscribe --token}
 * @param listId  the list's identifier, a dot-atom such as {@code pause-campaign.shop.example}
 */
public record Unsubscribe(UnsubscribeTokens tokens, URI urlBase, String mailto, String listId, String listName) {

    public static final String ONE_CLICK = "List-Unsubscribe=One-Click";
    /** The subject of a mailto unsubscribe: this, then the recipient's token. */
    public static final String MAILTO_SUBJECT_PREFIX = "unsubscribe ";

    public Unsubscribe {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(urlBase, "urlBase");
        String scheme = urlBase.getScheme() == null ? "" : urlBase.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || urlBase.getHost() == null) {
            throw new IllegalArgumentException(
                    "the unsubscribe URL must be an absolute http(s) URL, got '" + urlBase + "'");
        }
        if (urlBase.getRawQuery() != null || urlBase.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "the unsubscribe URL must have no query or fragment, got '" + urlBase + "'");
        }
        if (mailto != null && !mailto.matches("[^@\\s<>,]+@[A-Za-z0-9.-]+\\.[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("the unsubscribe mailto must be a plain address, got '" + mailto + "'");
        }
        if (listId == null || !listId.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+")) {
            throw new IllegalArgumentException(
                    "the List-Id must be a dot-atom like pause-campaign.shop.example, got '" + listId + "'");
        }
        if (listName == null
                || listName.isBlank()
                || listName.contains("\"")
                || listName.contains("\n")
                || listName.contains("\r")) {
            throw new IllegalArgumentException(
                    "the list name must be a single line without quotes, got '" + listName + "'");
        }
    }

    /** Whether one-click links reach recipients over TLS, as Gmail and Yahoo require of bulk senders. */
    public boolean isHttps() {
        return "https".equalsIgnoreCase(urlBase.getScheme());
    }

    /** The one-click and visible unsubscribe link of {@code user}. */
    public String link(UUID user) {
        return urlBase + "?t=" + tokens.issue(user);
    }

    /** The headers every message to {@code user} carries; {@code link} is {@link #link}'s value for it. */
    public Map<String, String> headers(String link) {
        String token = link.substring(link.indexOf("?t=") + 3);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(
                "List-Unsubscribe",
                "<" + link + ">"
                        + (mailto == null
                                ? ""
                                : ", <mailto:" + mailto + "?subject="
                                        + URLEncoder.encode(MAILTO_SUBJECT_PREFIX + token, StandardCharsets.UTF_8)
                                                .replace("+", "%20")
                                        + ">"));
        h.put("List-Unsubscribe-Post", ONE_CLICK);
        h.put("List-Id", "\"" + listName + "\" <" + listId + ">");
        return h;
    }
}
