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
