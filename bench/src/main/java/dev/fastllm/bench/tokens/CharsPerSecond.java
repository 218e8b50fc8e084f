package dev.fastllm.bench.tokens;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Chars counted, reported by JMH as a rate next to ops/s: the chars/s of each benchmark. */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class CharsPerSecond {
    public long chars;

    @Setup(Level.Iteration)
    public void reset() {
        chars = 0;
    }
}
