package dev.hfc.campaign.consent;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token in an unsubscribe link: who (the user id) and when it was issued, sealed with AES-256-GCM
 * (authenticated encryption) under a key derived from the configured secret with HMAC-SHA256. Nobody without
 * the secret can make a valid token or read the user id out of one; a token older than its validity is
 * refused (links in old emails stop working after that, which RFC 8058 allows; by default it is long).
 *
 * <p>Layout, base64url without padding: version (1 byte) | nonce (12) | ciphertext of user id (16) and
 * issue time in epoch seconds (8) | GCM tag (16).
 */
public final class UnsubscribeTokens {

    private static final byte VERSION = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final int PLAIN = 16 + 8;
    private static final int LENGTH = 1 + NONCE + PLAIN + TAG_BITS / 8;

    private final SecretKeySpec key;
    private final Duration validity;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param secret   at least 32 bytes; never logged
     * @param validity how long a token is accepted after it was issued
     */
    public UnsubscribeTokens(byte[] secret, Duration validity, Clock clock) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < 32) {
            throw new IllegalArgumentException(
                    "the unsubscribe secret must have at least 32 bytes, got " + secret.length);
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("token validity must be positive, got " + validity);
        }
        this.key = new SecretKeySpec(derive(secret, "hfc unsubscribe token v1"), "AES");
        this.validity = validity;
        this.clock = clock;
    }

    static byte[] derive(byte[] secret, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    public String issue(UUID user) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        ByteBuffer plain = ByteBuffer.allocate(PLAIN)
                .putLong(user.getMostSignificantBits())
                .putLong(user.getLeastSignificantBits())
                .putLong(clock.instant().getEpochSecond());
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(new byte[] {VERSION});
            byte[] sealed = cipher.doFinal(plain.array());
            ByteBuffer token =
                    ByteBuffer.allocate(LENGTH).put(VERSION).put(nonce).put(sealed);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(token.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JVM", e);
        }
    }

    /** The user a token was issued for; empty for a forged, damaged, foreign or expired token. */
    public Optional<UUID> verify(String token) {
        if (token == null || token.length() > 2 * LENGTH) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (bytes.length != LENGTH
                || bytes[0] != VERSION
                || !Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(bytes)
                        .equals(token)) {
            return Optional.empty(); // also a non-canonical spelling of a valid token: one token, one string
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(bytes, 1, 1 + NONCE)));
            cipher.updateAAD(new byte[] {VERSION});
            ByteBuffer plain = ByteBuffer.wrap(cipher.doFinal(bytes, 1 + NONCE, bytes.length - 1 - NONCE));
            UUID user = new UUID(plain.getLong(), plain.getLong());
            long issued = plain.getLong();
            long age = clock.instant().getEpochSecond() - issued;
            return age >= -300 && age <= validity.toSeconds() ? Optional.of(user) : Optional.empty();
        } catch (GeneralSecurityException e) {
            return Optional.empty(); // the tag does not match: forged or damaged
        }
    }
}
