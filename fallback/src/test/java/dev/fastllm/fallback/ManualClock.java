package dev.fastllm.fallback;

import java.util.concurrent.TimeUnit;

/** A clock the test moves by hand. */
public final class ManualClock implements NanoClock {
    private volatile long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    public void advance(long amount, TimeUnit unit) {
        now += unit.toNanos(amount);
    }
}
