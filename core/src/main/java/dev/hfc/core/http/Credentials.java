package dev.hfc.core.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;

/**
 * The operator's credential on an ops listener: a bearer token. State-changing actions take it only as
 * {@code Authorization: Bearer <token>}, which a web page cannot make a browser send to another site, so a
 * page in the operator's browser cannot trigger them. Read-only pages also take it as HTTP Basic's password
 * (any user name), so a browser can open them; browsers send cached Basic credentials across sites, which is
 * why actions do not accept it.
 */
public final class Credentials {

    private final byte[] token;

    private Credentials(byte[] token) {
        this.token = token;
    }

    /** The least length of a token: 32 characters, e.g. {@code openssl rand -hex 16} or longer. */
    public static final int MIN_TOKEN_LENGTH = 32;

    /** @throws IllegalArgumentException when the token is shorter than {@link #MIN_TOKEN_LENGTH} (it is never shown) */
    public static Credentials bearer(String token) {
        if (token == null || token.strip().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the operator token must be at least " + MIN_TOKEN_LENGTH
                    + " characters, got " + (token == null ? 0 : token.strip().length()));
        }
        return new Credentials(token.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** A route that answers 401 unless the request carries the token as a bearer token. */
    public Route requireBearer(Route route) {
        return request -> matches(request, false) ? route.handle(request) : unauthorized("Bearer");
    }

    /** A read-only route that takes the token as a bearer token or as Basic's password. */
    public Route requireForReading(Route route) {
        return request -> matches(request, true)
                ? route.handle(request)
                : unauthorized("Basic realm=\"hfc operator\", charset=\"UTF-8\"");
    }

    /** Answers 403 to everyone: the action is off because no token is configured (the reason says which flag). */
    public static Route refuseAll(String reason) {
        return request -> HttpResponse.text(403, reason);
    }

    boolean matches(HttpRequest request, boolean basicToo) {
        String auth = request.header("Authorization");
        if (auth == null) {
            return false;
        }
        int space = auth.indexOf(' ');
        if (space < 0) {
            return false;
        }
        String scheme = auth.substring(0, space).toLowerCase(Locale.ROOT);
        String value = auth.substring(space + 1).strip();
        byte[] given;
        if (scheme.equals("bearer")) {
            given = value.getBytes(StandardCharsets.UTF_8);
        } else if (basicToo && scheme.equals("basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = decoded.indexOf(':');
            given = (colon < 0 ? decoded : decoded.substring(colon + 1)).getBytes(StandardCharsets.UTF_8);
        } else {
            return false;
        }
        return MessageDigest.isEqual(token, given);
    }

    private static HttpResponse unauthorized(String challenge) {
        return HttpResponse.text(401, "this needs the operator token (Authorization: Bearer <token>)")
                .withHeader("WWW-Authenticate", challenge);
    }

    @Override
    public String toString() {
        return "Credentials[bearer token, " + token.length + " bytes]";
    }
}
