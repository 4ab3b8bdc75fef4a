package dev.hfc.campaign.delivery;

import dev.hfc.campaign.content.RenderedEmail;

/** Hands one message to a mail server. */
public interface Mailer extends AutoCloseable {

    /**
     * Sends one message to {@code to}.
     *
     * @return what the server did; never throws for the server's answers or an unreachable server
     */
    SendOutcome send(String to, RenderedEmail email, String messageId);

    @Override
    void close();
}
