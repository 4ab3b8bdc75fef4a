package dev.hfc.core.http;

/**
 * What answers one path. It runs on a thread of the listener's bounded pool, with the body already read; a
 * failure it throws is logged with the request and answered 500 without details.
 */
@FunctionalInterface
public interface Route {

    HttpResponse handle(HttpRequest request) throws Exception;
}
