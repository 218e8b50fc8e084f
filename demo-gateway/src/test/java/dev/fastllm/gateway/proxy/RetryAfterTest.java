package dev.fastllm.gateway.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Retry-After in each form providers send, and what is ignored. */
class RetryAfterTest {

    static final long NOW = 1_767_225_600_000L; // Thu, 01 Jan 2026 00:00:00 GMT

    private static long of(String... nameValue) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.add(nameValue[i], nameValue[i + 1]);
        }
        return RetryAfter.millis(h, NOW);
    }

    @Test
    void eachForm() {
        assertEquals(-1, of());
        assertEquals(1500, of("retry-after-ms", "1500"));
        assertEquals(251, of("retry-after-ms", "250.2"));
        assertEquals(60_000, of("Retry-After", "60"));
        assertEquals(500, of("Retry-After", "0.5"));
        assertEquals(30_000, of("Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT"));
        assertEquals(0, of("Retry-After", "Wed, 31 Dec 2025 23:59:00 GMT"), "a date in the past: retry now");
        assertEquals(1500, of("retry-after-ms", "1500", "Retry-After", "60"), "milliseconds win, as in the SDKs");
    }

    @Test
    void garbageIsIgnored() {
        assertEquals(-1, of("Retry-After", "soon"));
        assertEquals(-1, of("Retry-After", "-5"));
        assertEquals(-1, of("Retry-After", "NaN"));
        assertEquals(-1, of("Retry-After", "Infinity"));
        assertEquals(60_000, of("retry-after-ms", "abc", "Retry-After", "60"));
    }
}
