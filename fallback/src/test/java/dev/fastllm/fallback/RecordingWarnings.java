package dev.fastllm.fallback;

import java.util.ArrayList;
import java.util.List;

/** Collects warnings for assertions. */
public final class RecordingWarnings implements Warnings {
    public final List<String> messages = new ArrayList<>();

    @Override
    public synchronized void warn(String message) {
        messages.add(message);
    }
}
