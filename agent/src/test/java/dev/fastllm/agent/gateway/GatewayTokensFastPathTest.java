package dev.fastllm.agent.gateway;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path of gateway.tokens against the original's own counting (JTokkit's countTokensOrdinary, which
 * is what PromptTokenCounter.countText runs), called as the bridge calls it, in every mode.
 */
class GatewayTokensFastPathTest {

    static final EncodingRegistry JTOKKIT = Encodings.newLazyEncodingRegistry();

    static int original(String encoding, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return JTOKKIT.getEncoding(encoding).orElseThrow().countTokensOrdinary(text);
    }

    static List<String> inputs() {
        List<String> in = new ArrayList<>(List.of("", "a", "Hello, world!", "<|endoftext|><|fim_middle|>",
                "日本語のテキスト 🤖👩‍💻", "\ud800 lone surrogate \udc00", "tabs\t\tand\r\nnewlines\n\n  ",
                "x".repeat(GatewayTokensFastPath.MEMO_MIN_CHARS - 1), "y".repeat(GatewayTokensFastPath.MEMO_MIN_CHARS),
                "The memoised path. ".repeat(200)));
        SplittableRandom r = new SplittableRandom(20261201);
        String alphabet = "abcXYZ 0123 .,;'\"!?-_\n\té中文🙂ك\u0301";
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(i % 10 == 0 ? 2000 : 120);
            while (sb.length() < len) {
                int cp = alphabet.codePointAt(r.nextInt(alphabet.length() - 1));
                sb.appendCodePoint(Character.isLowSurrogate((char) cp) ? 'q' : cp);
            }
            in.add(sb.toString());
        }
        return in;
    }

    static Point point(String settings) {
        Points points = new Points(Settings.load(settings, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    /** What the rewritten method returns for this call state, with the original's answer computed only if it runs. */
    static int rewritten(GatewayTokensFastPath fast, String encoding, String text) {
        long call = fast.enter(encoding, text);
        if (CallState.isAnswered(call)) {
            return CallState.answer(call);
        }
        int answer = original(encoding, text);
        return call == 0 ? answer : fast.exit(call, 0, answer);
    }

    @Test
    void onAnswersEveryInputExactlyWithoutTheOriginal() {
        Point p = point(null);
        GatewayTokensFastPath fast = new GatewayTokensFastPath(p);
        int n = 0;
        for (String encoding : new String[] {"o200k_base", "cl100k_base"}) {
            for (int round = 0; round < 2; round++) { // the second round hits the memo for long texts
                for (String text : inputs()) {
                    long call = fast.enter(encoding, text);
                    assertTrue(CallState.isAnswered(call), "answered fast: " + encoding);
                    assertEquals(original(encoding, text), CallState.answer(call), () -> encoding + " " + text);
                    n++;
                }
            }
        }
        assertEquals(n, p.calls(Path.FAST));
        assertEquals(0, p.errors());
    }

    @Test
    void otherEncodingsDeclineToTheOriginalAndNullTextIsZero() {
        Point p = point(null);
        GatewayTokensFastPath fast = new GatewayTokensFastPath(p);
        for (String encoding : new String[] {"p50k_base", "r50k_base", "O200K_BASE", "no-such-encoding", null}) {
            assertFalse(CallState.isAnswered(fast.enter(encoding, "some text")), String.valueOf(encoding));
            assertEquals(0, CallState.answer(fast.enter(encoding, "")));
            assertTrue(CallState.isAnswered(fast.enter(encoding, null)));
        }
        assertEquals(5, p.declines());
        assertEquals(5, p.calls(Path.FALLBACK));
        assertEquals(original("p50k_base", "some text"), rewritten(fast, "p50k_base", "some text"));
    }

    @Test
    void shadowReturnsTheOriginalAndCountsAMismatchOnlyWhenAnswersDiffer() {
        Point p = point("gateway.tokens=shadow:100");
        GatewayTokensFastPath fast = new GatewayTokensFastPath(p);
        for (String text : inputs()) {
            assertEquals(original("o200k_base", text), rewritten(fast, "o200k_base", text));
        }
        assertEquals(inputs().size(), p.calls(Path.SHADOW));
        assertEquals(0, p.shadowMismatches());
        long call = fast.enter("cl100k_base", "Hello, world!");
        assertEquals(99, fast.exit(call, 0, 99), "the original's answer stands");
        assertEquals(1, p.shadowMismatches());
    }

    @Test
    void faultsFallBackOnTheSameCallAndOpenTheBreaker() {
        Point p = point("faults=gateway.tokens:1");
        GatewayTokensFastPath fast = new GatewayTokensFastPath(p);
        for (String text : inputs().subList(0, 30)) {
            assertEquals(original("o200k_base", text), rewritten(fast, "o200k_base", text));
        }
        assertEquals(10, p.errors(), "the breaker opens after ten errors");
        assertEquals(10, p.calls(Path.FALLBACK));
        assertEquals(20, p.calls(Path.ORIGINAL));
        assertEquals("open", p.breaker().state().text());
    }

    @Test
    void offAndCanaryZeroNeverRunTheFastPath() {
        for (String setting : new String[] {"gateway.tokens=off", "tokens=canary:0"}) {
            Point p = point(setting);
            GatewayTokensFastPath fast = new GatewayTokensFastPath(p);
            for (int i = 0; i < 1_000; i++) {
                long call = fast.enter("o200k_base", "Hello");
                assertFalse(CallState.isAnswered(call), setting);
                assertTrue(Point.isOriginal(CallState.decision(call)), setting);
            }
            assertEquals(0, p.calls(Path.FAST));
        }
        // unsampled, nothing at all is left for the exit
        Point quiet = point("tokens=canary:0,metrics.latency-sample=0");
        assertEquals(0L, new GatewayTokensFastPath(quiet).enter("o200k_base", "Hello"));
    }
}
