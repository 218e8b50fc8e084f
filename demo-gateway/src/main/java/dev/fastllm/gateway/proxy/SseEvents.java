package dev.fastllm.gateway.proxy;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a server-sent-events byte stream into whole events (separated by a blank line), whatever the
 * network's chunk boundaries, so the gateway relays event by event and can read the usage event.
 */
final class SseEvents {

    private byte[] buffer = new byte[4096];
    private int length;

    /** Appends {@code chunk} and hands every complete event (without its blank-line terminator) to {@code sink}. */
    void feed(ByteBuf chunk, Consumer<byte[]> sink) {
        int n = chunk.readableBytes();
        if (length + n > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + n));
        }
        chunk.getBytes(chunk.readerIndex(), buffer, length, n);
        int scanFrom = Math.max(0, length - 3);
        length += n;
        int start = 0;
        for (int i = scanFrom; i < length; i++) {
            int end = terminatorEnd(i);
            if (end > 0 && i >= start) {
                sink.accept(Arrays.copyOfRange(buffer, start, i));
                start = end;
                i = end - 1;
            }
        }
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, length - start);
            length -= start;
        }
    }

    /** Whatever is left when the stream ends without a final blank line. */
    byte[] rest() {
        byte[] r = Arrays.copyOf(buffer, length);
        length = 0;
        return r;
    }

    /**
     * The {@code data} of one event as the SSE specification defines it: the values of its {@code data:} lines
     * (one leading space dropped) joined by a line feed; lines end with CR LF, LF or a bare CR. Null when the
     * event has no data line (a comment, or only {@code event:}/{@code id:} fields).
     */
    static String data(byte[] event) {
        return field(event, "data");
    }

    /** The value of the event's {@code event:} field (its type), or null. */
    static String type(byte[] event) {
        return field(event, "event");
    }

    private static String field(byte[] event, String name) {
        String text = new String(event, java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder value = null;
        int i = 0;
        while (i <= text.length()) {
            int end = i;
            while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            String line = text.substring(i, end);
            if (line.startsWith(name) && (line.length() == name.length() || line.charAt(name.length()) == ':')) {
                String v = line.length() == name.length() ? "" : line.substring(name.length() + 1);
                if (v.startsWith(" ")) {
                    v = v.substring(1);
                }
                if (value == null) {
                    value = new StringBuilder(v);
                } else if ("data".equals(name)) {
                    value.append('\n').append(v);
                } else {
                    value.setLength(0);
                    value.append(v); // the last event: line wins
                }
            }
            if (end < text.length() && text.charAt(end) == '\r' && end + 1 < text.length() && text.charAt(end + 1) == '\n') {
                end++;
            }
            i = end + 1;
        }
        return value == null ? null : value.toString();
    }

    /** If a blank line starts at {@code i} ("\n\n", "\r\n\r\n" or "\r\r"), returns the index after it, else -1. */
    private int terminatorEnd(int i) {
        if (buffer[i] == '\n' && i + 1 < length && buffer[i + 1] == '\n') {
            return i + 2;
        }
        if (buffer[i] == '\r' && i + 3 < length && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
            return i + 4;
        }
        if (buffer[i] == '\r' && i + 1 < length && buffer[i + 1] == '\r') {
            return i + 2;
        }
        return -1;
    }
}
