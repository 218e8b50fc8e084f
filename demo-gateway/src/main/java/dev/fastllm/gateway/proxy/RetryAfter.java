package dev.fastllm.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * How long an upstream asked us to wait, read as the OpenAI SDKs read it: {@code retry-after-ms}
 * (milliseconds, sent by OpenAI and Azure) first, then {@code Retry-After} as seconds or as an HTTP date
 * (RFC 9110 10.2.3). The value is not capped here: the gateway caps only its own wait before a retry
 * ({@code max_retry_after}), never what it tells its client.
 */
final class RetryAfter {

    private RetryAfter() {
    }

    /** Milliseconds to wait, or -1 when the headers say nothing usable. */
    static long millis(HttpHeaders headers, long nowEpochMillis) {
        long ms = number(headers.get("retry-after-ms"), 1);
        if (ms >= 0) {
            return ms;
        }
        String v = headers.get("retry-after");
        if (v == null) {
            return -1;
        }
        long seconds = number(v, 1000);
        if (seconds >= 0) {
            return seconds;
        }
        try {
            long at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, at - nowEpochMillis);
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    private static long number(String v, long scale) {
        if (v == null) {
            return -1;
        }
        try {
            double d = Double.parseDouble(v.trim());
            return d >= 0 && d < 1e12 ? (long) Math.ceil(d * scale) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
