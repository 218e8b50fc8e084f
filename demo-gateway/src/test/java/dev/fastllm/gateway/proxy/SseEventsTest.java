package dev.fastllm.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SseEvents yields the same events whatever the network's chunk boundaries. */
class SseEventsTest {

    private static final String[] TERMINATORS = {"\n\n", "\r\n\r\n", "\r\r"};

    @Test
    void splitsOnEachTerminatorForm() {
        for (String t : TERMINATORS) {
            List<String> events = feedAll(List.of("data: a" + t + "data: b" + t + "data: [DONE]" + t));
            assertEquals(List.of("data: a", "data: b", "data: [DONE]"), events, "terminator " + escape(t));
        }
    }

    @Test
    void incompleteEventWaitsForTheRestAndRestReturnsTheTail() {
        SseEvents sse = new SseEvents();
        List<String> out = new ArrayList<>();
        feed(sse, "data: a\n", out);
        assertEquals(List.of(), out);
        feed(sse, "\ndata: b", out);
        assertEquals(List.of("data: a"), out);
        assertEquals("data: b", new String(sse.rest(), StandardCharsets.UTF_8));
        assertEquals(0, sse.rest().length);
    }

    @Test
    void randomSplitsGiveTheSameEvents() {
        Random random = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            String terminator = TERMINATORS[random.nextInt(TERMINATORS.length)];
            int count = random.nextInt(12);
            List<String> expected = new ArrayList<>();
            StringBuilder stream = new StringBuilder();
            for (int i = 0; i < count; i++) {
                String event = randomEvent(random, terminator);
                expected.add(event);
                stream.append(event).append(terminator);
            }
            String tail = random.nextBoolean() ? "" : "data: {\"tail\":" + round + "}";
            stream.append(tail);
            byte[] bytes = stream.toString().getBytes(StandardCharsets.UTF_8);

            SseEvents sse = new SseEvents();
            List<byte[]> got = new ArrayList<>();
            int pos = 0;
            while (pos < bytes.length) {
                // mostly small pieces (1..8 bytes) so terminators straddle boundaries; sometimes large ones
                int n = random.nextInt(4) == 0 ? 1 + random.nextInt(6000) : 1 + random.nextInt(8);
                n = Math.min(n, bytes.length - pos);
                ByteBuf chunk = Unpooled.buffer(n + 4);
                chunk.writeBytes(new byte[]{'x', 'x'}).readerIndex(2); // a reader index that is not 0
                chunk.writeBytes(bytes, pos, n);
                sse.feed(chunk, got::add);
                assertEquals(2 + n, chunk.writerIndex());
                assertEquals(2, chunk.readerIndex(), "feed must not consume the caller's buffer");
                chunk.release();
                pos += n;
            }
            assertEquals(expected.size(), got.size(), "round " + round + " stream " + escape(stream.toString()));
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i).getBytes(StandardCharsets.UTF_8), got.get(i), "round " + round + " event " + i);
            }
            assertEquals(tail, new String(sse.rest(), StandardCharsets.UTF_8), "round " + round);
        }
    }

    /** An event with one to three lines (line endings matching the terminator), possibly large, never blank. */
    private static String randomEvent(Random random, String terminator) {
        String eol = terminator.substring(0, terminator.length() / 2);
        int lines = 1 + random.nextInt(3);
        StringBuilder e = new StringBuilder();
        for (int l = 0; l < lines; l++) {
            if (l > 0) {
                e.append(eol);
            }
            e.append(random.nextInt(5) == 0 ? ": comment " : "data: ");
            int len = random.nextInt(8) == 0 ? 3000 + random.nextInt(6000) : random.nextInt(40);
            for (int i = 0; i < len; i++) {
                e.append((char) ('a' + random.nextInt(26)));
            }
            if (random.nextInt(6) == 0) {
                e.append("é€"); // multi-byte UTF-8 split anywhere
            }
        }
        return e.toString();
    }

    private static List<String> feedAll(List<String> pieces) {
        SseEvents sse = new SseEvents();
        List<String> out = new ArrayList<>();
        for (String p : pieces) {
            feed(sse, p, out);
        }
        return out;
    }

    private static void feed(SseEvents sse, String piece, List<String> out) {
        ByteBuf b = Unpooled.copiedBuffer(piece, StandardCharsets.UTF_8);
        try {
            sse.feed(b, e -> out.add(new String(e, StandardCharsets.UTF_8)));
        } finally {
            b.release();
        }
    }

    private static String escape(String s) {
        String c = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        return c.replace("\r", "\\r").replace("\n", "\\n");
    }

    @Test
    void dataAndTypeOfAnEventInEachLineEnding() {
        for (String eol : new String[] {"\n", "\r\n", "\r"}) {
            byte[] event = ("event: response.output_text.delta" + eol + "id: 7" + eol + "data: {\"a\":" + eol
                    + "data:1}" + eol + ": a comment").getBytes(StandardCharsets.UTF_8);
            assertEquals("{\"a\":\n1}", SseEvents.data(event), "line ending " + escape(eol));
            assertEquals("response.output_text.delta", SseEvents.type(event));
        }
        assertEquals(null, SseEvents.data(": only a comment".getBytes(StandardCharsets.UTF_8)));
        assertEquals("", SseEvents.data("data".getBytes(StandardCharsets.UTF_8)));
        assertEquals("[DONE]", SseEvents.data("data: [DONE]".getBytes(StandardCharsets.UTF_8)));
    }
}
