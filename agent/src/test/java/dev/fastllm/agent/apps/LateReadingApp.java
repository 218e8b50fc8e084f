package dev.fastllm.agent.apps;

import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;

/**
 * A test application that calls the demo gateway's {@code KeyRateLimiter} with clock readings out of order, as
 * a gateway thread descheduled between its clock read and its call makes them: a key's window ends, the point
 * is turned off (over the platform MBean server, when the agent registered its point), a call moves the key
 * on, and then a call comes whose reading falls inside the ended window. Prints every answer and the tracked
 * keys on stdout, the point's fast and original call counts on stderr. Usage: {@code LateReadingApp [agent]}:
 * with {@code agent}, waits for the point's MXBean first.
 */
public final class LateReadingApp {

    private LateReadingApp() {
    }

    public static void main(String[] args) throws Exception {
        boolean agent = args.length > 0 && args[0].equals("agent");
        PointBean point = PointBean.of("gateway.rate-limiter", agent);
        KeyRateLimiter limiter = new KeyRateLimiter();
        KeyLimits two = new KeyLimits(2, Long.MAX_VALUE, 10);
        long s = 7_000_000;
        System.out.println(limiter.tryAcquire("k", two, 0, s));
        limiter.release("k");
        if (agent) {
            point.setFlag("off");
        }
        for (long now : new long[] {s + 60_010, s + 59_990, s + 60_020, s + 60_030}) {
            System.out.println(limiter.tryAcquire("k", two, 0, now));
        }
        System.out.println("tracked " + limiter.trackedKeys());
        if (agent) {
            System.err.println("point fast=" + point.get("FastCalls")
                    + " original=" + point.get("OriginalCalls"));
        }
    }
}
