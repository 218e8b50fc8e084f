package dev.fastllm.agent.twin;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwinTableTest {

    /** A target whose equals/hashCode would collide: the table must go by identity. */
    static final class Target {
        @Override
        public boolean equals(Object o) {
            return o instanceof Target;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @Test
    void oneTwinPerInstanceByIdentity() {
        TwinTable<String> table = new TwinTable<>();
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Target t = new Target();
            targets.add(t);
            int n = i;
            assertEquals("twin" + i, table.computeIfAbsent(t, x -> "twin" + n));
        }
        for (int i = 0; i < targets.size(); i++) {
            assertEquals("twin" + i, table.get(targets.get(i)));
            assertEquals("twin" + i, table.computeIfAbsent(targets.get(i), x -> "other"));
        }
        assertNull(table.get(new Target()));
        assertEquals(10_000, table.size());
        assertTrue(table.capacity() >= 20_000 && table.capacity() <= 65_536, "at most half full: " + table.capacity());
    }

    @Test
    void everRegisteredTurnsTrueWithTheFirstTwinOnly() {
        TwinTable<String> table = new TwinTable<>();
        Target t = new Target();
        assertFalse(table.everRegistered());
        assertNull(table.get(t));
        assertFalse(table.everRegistered(), "a lookup registers nothing");
        assertThrows(IllegalStateException.class, () -> table.computeIfAbsent(t, x -> {
            throw new IllegalStateException("no twin");
        }));
        assertFalse(table.everRegistered(), "a factory that failed registered nothing");
        table.computeIfAbsent(t, x -> "twin");
        assertTrue(table.everRegistered());
    }

    @Test
    void aCollectedTargetsEntryIsDroppedOnALaterRebuild() throws InterruptedException {
        TwinTable<String> table = new TwinTable<>();
        List<WeakReference<Object>> refs = addGarbage(table, 1_000);
        for (int i = 0; i < 50 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(refs.stream().allMatch(r -> r.get() == null), "the table must not keep targets alive");
        assertTrue(table.everRegistered(), "collected targets leave the table marked as used");
        Object kept = new Object();
        for (int i = 0; i < 2_000; i++) { // enough inserts to force rebuilds
            table.computeIfAbsent(i == 0 ? kept : new Object(), x -> "x");
        }
        assertTrue(table.capacity() < 16_384, "cleared entries are not carried over: " + table.capacity());
        assertEquals("x", table.get(kept));
    }

    /**
     * {@code n} targets that nothing but the table and weak references reach, made in a frame of their own so
     * that no local variable of the test's frame can keep the last one alive.
     */
    private static List<WeakReference<Object>> addGarbage(TwinTable<String> table, int n) {
        List<WeakReference<Object>> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object t = new Object();
            refs.add(new WeakReference<>(t));
            table.computeIfAbsent(t, x -> "garbage");
        }
        return refs;
    }

    @Test
    void readersNeverSeeAWrongTwinWhileWritersGrowTheTable() throws Exception {
        TwinTable<Object> table = new TwinTable<>();
        int n = 20_000;
        Object[] targets = new Object[n];
        Object[] twins = new Object[n];
        for (int i = 0; i < n; i++) {
            targets[i] = new Object();
            twins[i] = new Object();
        }
        AtomicInteger published = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(3);
        Thread writer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                int k = i;
                table.computeIfAbsent(targets[i], x -> twins[k]);
                published.set(i + 1);
            }
            done.countDown();
        });
        Runnable reader = () -> {
            while (published.get() < n && failure.get() == null) {
                int upTo = published.get();
                for (int i = Math.max(0, upTo - 500); i < upTo; i++) {
                    Object twin = table.get(targets[i]);
                    if (twin != twins[i]) {
                        failure.set("target " + i + " of " + upTo + " got " + twin);
                    }
                }
            }
            done.countDown();
        };
        writer.start();
        new Thread(reader).start();
        new Thread(reader).start();
        done.await();
        assertNull(failure.get());
        for (int i = 0; i < n; i++) {
            assertSame(twins[i], table.get(targets[i]));
        }
    }

    @Test
    void aLookupAllocatesNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        TwinTable<Object> table = new TwinTable<>();
        Object[] targets = new Object[1_000];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = new Object();
            table.computeIfAbsent(targets[i], x -> new Object());
        }
        long found = 0;
        for (int i = 0; i < 200_000; i++) { // let the JIT compile the lookup first
            found += table.get(targets[i % targets.length]) != null ? 1 : 0;
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            found += table.get(targets[i % targets.length]) != null ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(1_200_000, found);
        assertTrue(allocated < 10_000, "a million lookups allocated " + allocated + " bytes");
    }
}
