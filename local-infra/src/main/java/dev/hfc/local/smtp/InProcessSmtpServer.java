package dev.hfc.local.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.subethamail.smtp.server.SMTPServer;

/**
 * An SMTP server in this process (SubEtha SMTP) that takes what a modern relay takes: it announces
 * {@code 8BITMIME} and {@code SMTPUTF8} (RFC 6531) and reads commands as UTF-8, so internationalised
 * addresses arrive as they were sent. It delivers nowhere; it keeps every message it accepted, with its
 * envelope recipient, for the demo and tests to count and read. Bound to 127.0.0.1 only.
 */
public final class InProcessSmtpServer implements AutoCloseable {

    /** One accepted message: envelope sender and recipient as the server read them, and the raw message. */
    public record Received(String from, String to, byte[] data) {}

    private final SMTPServer server;
    private final List<Received> received = new ArrayList<>();

    private InProcessSmtpServer(int port) {
        try {
            this.server = SMTPServer.port(port)
                    .bindAddress(InetAddress.getByName("127.0.0.1"))
                    .hostName("localhost")
                    .softwareName("hfc in-process SMTP")
                    .messageHandler((context, from, to, data) -> {
                        synchronized (received) {
                            received.add(new Received(from, to, data));
                        }
                    })
                    .build();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a server on {@code port}; 0 picks a free one (see {@link #port()}). */
    public static InProcessSmtpServer start(int port) {
        InProcessSmtpServer s = new InProcessSmtpServer(port);
        s.server.start();
        return s;
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** Every message accepted so far, in the order they arrived. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
