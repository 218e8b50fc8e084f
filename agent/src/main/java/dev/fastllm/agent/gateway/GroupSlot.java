package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.core.routing.DeploymentState;
import dev.fastllm.core.routing.FastRouter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who owns one model group of one router, the original or its twin.
 *
 * The twin's routes carry a marker {@code GroupState} of their own ({@link #marker}), which tells them apart
 * from the original's; their count in flight is {@link #twinOpen()}.
 *
 * <p>Ownership rule: a group's picks go to its {@link #owner()}; the owner changes only in {@link #settle},
 * with no pick of the group in progress, and only when the owner's side is idle (nothing in flight and no
 * deployment cooling down). If the owner is idle but the other side is not (a route left there by a
 * fallback), the group goes where the state is; only when both are idle does the caller's wish decide.
 * A pick whose wish is the owner goes straight to it, unless state may sit on the other side (see
 * {@code checkBoth}); then it looks at both and settles when the owner is idle, so a cooldown left in the
 * original by a fallback is honoured as soon as the twin's own state is gone.
 *
 * <p>Every pick holds the group ({@link #enter}, then {@link #release}) while it chooses, on whichever side:
 * a count in one of {@value #STRIPES} padded stripes picked by the calling thread, so picks of one group
 * on different threads mostly touch different cache lines. {@link #settle} raises {@code moving} and waits
 * for the stripes to drain (a Dekker pair: a pick adds to its stripe, then reads {@code moving}; the mover
 * sets {@code moving}, then reads the stripes; each sees the other's write), so no pick can create state on
 * the side being left while the move is decided. Ends need no hold: an end never makes a side busier, and
 * each side's own state is read consistently (the original's under its group monitor; the twin's open
 * routes are counted down only after its end has recorded any cooldown). The steady pick (the twin owns
 * the group, nothing to check on the other side) takes no hold: it counts itself as an open twin route
 * before it looks ({@link #enterTwinOpen}), which keeps a settle from moving the group just as a hold would.
 *
 * <p>The slot is the {@link GatewayRoutingBridge.Pin} handed to the original body's exit advice.
 */
final class GroupSlot extends GatewayRoutingBridge.Pin {

    static final int ORIGINAL = 0;
    static final int TWIN = 1;

    private static final int STRIPES = 8;
    /** Longs between two stripes: 128 bytes. */
    private static final int STRIDE = 16;
    private static final int SPINS_BEFORE_YIELD = 64;
    /** How long after a slot is made picks also look at the original (calls inside it before the twin). */
    static final long GRACE_NANOS = 1_000_000_000L;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle MOVING;

    static {
        try {
            MOVING = MethodHandles.lookup().findVarHandle(GroupSlot.class, "moving", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String name;
    /** The original's deployments (the gateway's {@code Deployment}s), in its order, which is the twin's. */
    final Object[] deployments;
    final String[] ids;
    /**
     * The original's {@code GroupState}, whose monitor guards {@link #original}; held weakly, as it refers to
     * its router and a twin must not keep its target alive.
     */
    private final WeakReference<Object> originalGroup;
    /** The original group's private state: ownership reads it, a move carries it. */
    private final OriginalGroupState original;
    /** The router's {@code allowed_fails}, for joining failure windows as a move carries them. */
    private final int allowedFails;
    /**
     * The {@code GroupState} the twin's routes carry instead of the original's (so they are told apart);
     * held weakly, as it refers to its router; routes keep it alive, and a new one is made when it is gone.
     */
    private volatile WeakReference<Object> marker = new WeakReference<>(null);
    /** Twin routes picked and not yet fully ended (decremented after the twin's end returns). */
    private final LongAdder twinOpen = new LongAdder();
    private final long[] holds = new long[(STRIPES + 2) * STRIDE];
    private volatile int owner = ORIGINAL;
    /**
     * True while state may sit on the side that does not own the group: for a grace period after the
     * slot is made (calls already inside the original then), after a stray pick, and while both sides are
     * live. Picks then check the owner's state and settle when it is idle.
     */
    private volatile boolean checkBoth = true;
    private final long createdNanos = System.nanoTime();
    private final long graceNanos;
    @SuppressWarnings("unused") // through MOVING
    private volatile int moving;

    GroupSlot(String name, Object[] deployments, String[] ids, Object originalGroup, OriginalGroupState original,
              int allowedFails, long graceNanos) {
        this.graceNanos = graceNanos;
        this.name = name;
        this.deployments = deployments;
        this.ids = ids;
        this.originalGroup = new WeakReference<>(originalGroup);
        this.original = original;
        this.allowedFails = allowedFails;
    }

    /** The original's {@code GroupState}; null once the router has been collected. */
    Object originalGroup() {
        return originalGroup.get();
    }

    int owner() {
        return owner;
    }

    /**
     * Holds the group and returns the side its pick goes to: the owner when it is {@code wanted} (and no
     * stray state may sit on the other side), else the owner if it holds live state, else the group is
     * settled first. The caller must {@link #release}.
     */
    int enter(int wanted, FastRouter twin, long now) {
        boolean settled = false; // a settle by this call has just looked at both sides
        for (;;) {
            int at = stripe();
            COUNTS.getAndAdd(holds, at, 1L);
            if ((int) MOVING.getVolatile(this) != 0) {
                COUNTS.getAndAdd(holds, at, -1L);
                awaitSettled();
                continue;
            }
            int o = owner;
            if (o == wanted && (!checkBoth || settled)) {
                return o;
            }
            boolean stay;
            try {
                stay = live(o, twin, now);
            } catch (Throwable t) {
                COUNTS.getAndAdd(holds, at, -1L);
                throw t;
            }
            if (stay) {
                if (o == wanted && graceOver() && !live(1 - o, twin, now)) {
                    COUNTS.getAndAdd(holds, at, -1L);
                    settle(wanted, twin, now); // clears checkBoth: nothing sits on the other side any more
                    continue;
                }
                return o;
            }
            COUNTS.getAndAdd(holds, at, -1L);
            settled = settle(wanted, twin, now);
        }
    }

    /**
     * The steady twin pick, without a hold: counts the pick as an open twin route first, then checks that
     * the twin owns the group, that no settle is running and that no state may sit on the other side. The
     * count is what a settle reads to see whether the twin is live (a Dekker pair as with the holds: this
     * adds to the count, fences, then reads {@code moving}; a settle sets {@code moving}, then reads the
     * count), so while the pick runs the group cannot leave the twin, as a live owner keeps its group. True:
     * the caller picks in the twin, and calls {@link #twinEnded} if that makes no route. False: nothing
     * is counted; the caller takes the held path ({@link #enter}).
     */
    boolean enterTwinOpen() {
        if (owner != TWIN || checkBoth) {
            return false;
        }
        twinOpen.increment();
        VarHandle.fullFence(); // LongAdder's CAS is a release CAS: order it before the read of moving
        if ((int) MOVING.getVolatile(this) == 0 && owner == TWIN && !checkBoth) {
            return true;
        }
        twinOpen.decrement();
        return false;
    }

    /**
     * Holds the group whatever its owner, waiting out a settle: for a pick entered by {@link #enterTwinOpen}
     * whose twin pick threw, before the original answers it. The caller must {@link #release}.
     */
    void hold() {
        for (;;) {
            int at = stripe();
            COUNTS.getAndAdd(holds, at, 1L);
            if ((int) MOVING.getVolatile(this) == 0) {
                return;
            }
            COUNTS.getAndAdd(holds, at, -1L);
            awaitSettled();
        }
    }

    /**
     * A pick of this group ran in the original although the twin owns it (the twin's pick threw): from now
     * on picks look at both sides until a settle finds the original idle again.
     */
    void strayed() {
        checkBoth = true;
    }

    /** Ends the hold of {@link #enter} (same thread). */
    @Override
    public void release() {
        COUNTS.getAndAdd(holds, stripe(), -1L);
    }

    /**
     * Decides the owner with no pick in progress: keeps a live owner, else follows live state on the other
     * side, else takes {@code wanted}. Returns false at once if another thread is settling (the caller retries).
     */
    boolean settle(int wanted, FastRouter twin, long now) {
        if (!MOVING.compareAndSet(this, 0, 1)) {
            awaitSettled();
            return false;
        }
        try {
            awaitDrained();
            int o = owner;
            boolean ownerLive = live(o, twin, now);
            boolean otherLive = live(1 - o, twin, now);
            if (!ownerLive) {
                int next = otherLive ? 1 - o : wanted;
                if (next != o) {
                    carry(o, twin);
                    owner = next;
                    forget(o, twin);
                }
            }
            checkBoth = ownerLive && otherLive || !graceOver();
            return true;
        } finally {
            MOVING.setVolatile(this, 0);
        }
    }

    /**
     * Hands the state of the side giving the group up ({@code from}) to the other side: per deployment the
     * minute's requests and tokens, the failure window, the cooldown end and the latencies
     * ({@code DeploymentState}; requests in flight need no carrying, as {@code from} has none). Added to
     * what the new side holds (into the original's arrays under its group monitor, into the twin by
     * {@link FastRouter#takeOver}), so that the new side answers as one plain router that had seen every
     * call of both: a deployment's {@code rpm} and {@code tpm} hold across the move, failures count on
     * towards a cooldown, latency-based keeps its samples. Exact when the new side counted nothing of its
     * own since it last gave the group up ({@link #forget} cleared it then), which only a fallback's stray
     * call changes. Cooldowns matter for picks whose clock reading predates the move (the settle found
     * {@code from}'s cooldowns ended at its own reading). Runs while the settle holds the group: no pick on
     * either side, no end on {@code from}; ends of routes still open on the new side may run meanwhile,
     * under the original's monitor or by the twin's atomic updates.
     */
    private void carry(int from, FastRouter twin) {
        Object group = originalGroup.get();
        if (group == null) {
            return;
        }
        try {
            if (from == TWIN) {
                DeploymentState[] states = twin.state(name);
                synchronized (group) {
                    original.takeOver(group, states, allowedFails);
                }
            } else {
                DeploymentState[] states;
                synchronized (group) {
                    states = original.read(group);
                }
                twin.takeOver(name, states);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Clears what the side that gave the group up counted (usage, failure windows, latencies; cooldowns and
     * the minute stay), now held by the new owner, so that nothing is counted twice if the group comes back.
     * After the owner changed: a retry-after read meanwhile is answered by the new owner, which holds it all.
     */
    private void forget(int from, FastRouter twin) {
        if (from == TWIN) {
            twin.forget(name);
            return;
        }
        Object group = originalGroup.get();
        if (group != null) {
            synchronized (group) {
                original.forget();
            }
        }
    }

    private boolean graceOver() {
        return System.nanoTime() - createdNanos >= graceNanos;
    }

    boolean live(int side, FastRouter twin, long now) {
        return side == ORIGINAL ? originalLive(now) : twinLive(twin, now);
    }

    /** Anything in flight or cooling down in the original, read under its group monitor as it writes them. */
    boolean originalLive(long now) {
        Object group = originalGroup.get();
        if (group == null) {
            return false;
        }
        synchronized (group) {
            for (int i = 0; i < original.inFlight.length; i++) {
                if (original.inFlight[i] != 0 || now < original.coolUntil[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A twin route open, or a deployment cooling down in the twin (open routes read first: see the class). */
    boolean twinLive(FastRouter twin, long now) {
        if (twinOpen.sum() != 0) {
            return true;
        }
        for (String id : ids) {
            if (twin.isCoolingDown(name, id, now)) {
                return true;
            }
        }
        return false;
    }

    /** Counts a twin route (called holding the group, so a settle sees it). */
    void twinPicked() {
        twinOpen.increment();
    }

    /** Twin routes picked and not yet ended. */
    long twinOpen() {
        return twinOpen.sum();
    }

    /** The group object the twin's routes carry; made (through {@code shape}) when none is alive. */
    Object marker(Object router, RouterShape shape) throws Throwable {
        Object m = marker.get();
        if (m == null) {
            m = shape.newMarkerGroup(router, deployments);
            marker = new WeakReference<>(m); // two racing picks may make two: any group but the original's marks a twin route
        }
        return m;
    }

    /** True when a route carrying {@code routeGroup} was made by the twin. */
    boolean isTwinGroup(Object routeGroup) {
        return routeGroup != originalGroup.get();
    }

    /** A twin route's end has returned. */
    void twinEnded() {
        twinOpen.decrement();
    }

    private void awaitSettled() {
        for (int spins = 0; (int) MOVING.getVolatile(this) != 0; spins++) {
            pause(spins);
        }
    }

    private void awaitDrained() {
        for (int s = 1; s <= STRIPES; s++) {
            for (int spins = 0; (long) COUNTS.getVolatile(holds, s * STRIDE) != 0; spins++) {
                pause(spins);
            }
        }
    }

    private static void pause(int spins) {
        if (spins < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** The calling thread's stripe, 1..STRIPES (slot 0 and the last are padding). */
    private static int stripe() {
        int h = System.identityHashCode(Thread.currentThread()) * 0x9E3779B9;
        return ((h >>> 29) + 1) * STRIDE;
    }
}
