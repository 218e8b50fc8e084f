package dev.fastllm.agent.jtokkit;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingResult;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.agent.bootstrap.JTokkitTokensBridge;
import dev.fastllm.agent.bootstrap.PendingCall;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path of jtokkit.tokens against JTokkit 1.1.0 itself, called as the bridge calls it with real JTokkit
 * instances: every method, in both encodings, on fixed and generated inputs, answers what JTokkit answers
 * (ids, counts, truncation results, bytes, text), declines exactly where JTokkit throws or the encoding is not
 * one accel-core reproduces, and shadow mode compares without changing an answer.
 */
class JTokkitTokensFastPathTest {

    static final EncodingRegistry REGISTRY = Encodings.newDefaultEncodingRegistry();
    static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    static Point point(String settings) {
        Points points = new Points(Settings.load(settings, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    static List<String> inputs() {
        List<String> in = new ArrayList<>(List.of("", "a", "Hello, world!", "<|endoftext|> is ordinary here",
                "text with <|fim_middle|> and <|endofprompt|>", "<|not special|>", "日本語のテキスト 🤖👩‍💻",
                "\ud800 lone surrogate \udc00", "tabs\t\tand\r\nnewlines\n\n  ", " ".repeat(700), "é".repeat(300),
                "The quick brown fox. ".repeat(300)));
        SplittableRandom r = new SplittableRandom(20261201);
        String alphabet = "abcXYZ 0123 .,;'\"!?-_\n\té中文🙂ك\u0301<|>";
        for (int i = 0; i < 200; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(i % 10 == 0 ? 3000 : 120);
            while (sb.length() < len) {
                int cp = alphabet.codePointAt(r.nextInt(alphabet.length() - 1));
                sb.appendCodePoint(Character.isLowSurrogate((char) cp) ? 'q' : cp);
            }
            in.add(sb.toString());
        }
        return in;
    }

    /** What the rewritten count method returns, running the original only when the call state says so. */
    static int count(JTokkitTokensFastPath fast, Encoding e, String text, boolean ordinary) {
        long call = fast.count(e, text, ordinary);
        if (CallState.isAnswered(call)) {
            return CallState.answer(call);
        }
        int answer = ordinary ? e.countTokensOrdinary(text) : e.countTokens(text);
        return call == 0 ? answer : fast.countExit(call, 0, answer);
    }

    /** What a rewritten object method returns; {@code original} runs only when the call state says so. */
    static Object call(JTokkitTokensFastPath fast, int method, Encoding e, String text, int max, IntArrayList ids,
                       java.util.function.Supplier<Object> original) {
        Object call = fast.call(method, e, text, max, ids);
        if (JTokkitTokensBridge.answered(call)) {
            return call;
        }
        Object answer = original.get();
        return call == null ? answer : fast.exit((PendingCall) call, answer);
    }

    static void assertSameResult(EncodingResult expected, Object actual, String what) {
        EncodingResult r = (EncodingResult) actual;
        assertEquals(expected.getTokens(), r.getTokens(), what);
        assertEquals(expected.isTruncated(), r.isTruncated(), what);
        assertEquals(expected.getLastProcessedCharacterIndex(), r.getLastProcessedCharacterIndex(), what);
    }

    /** Every method on every input, answered by the fast path alone where JTokkit does not throw. */
    static int checkAll(JTokkitTokensFastPath fast, Encoding e, String text) {
        boolean special = text.contains("<|endoftext|>") || text.contains("<|endofprompt|>")
                || (e == CL100K && text.contains("<|fim_middle|>"));
        String what = e.getName() + " " + text.substring(0, Math.min(40, text.length()));
        int max = Integer.MAX_VALUE;
        assertEquals(e.countTokensOrdinary(text), count(fast, e, text, true), what);
        // encodeOrdinary(String) is encodeOrdinary(String, MAX_VALUE).getTokens() in JTokkit
        IntArrayList ordinaryIds = ((EncodingResult) call(fast, JTokkitTokensBridge.ENCODE_ORDINARY, e, text, max,
                null, () -> null)).getTokens();
        assertEquals(e.encodeOrdinary(text), ordinaryIds, what);
        for (int limit : new int[] {-1, 0, 1, 2, 7, ordinaryIds.size() - 1, ordinaryIds.size(), max}) {
            assertSameResult(e.encodeOrdinary(text, limit),
                    call(fast, JTokkitTokensBridge.ENCODE_ORDINARY, e, text, limit, null, () -> null), what + limit);
        }
        if (special) {
            assertThrows(UnsupportedOperationException.class, () -> count(fast, e, text, false));
            assertThrows(UnsupportedOperationException.class, () -> call(fast, JTokkitTokensBridge.ENCODE, e, text,
                    max, null, () -> e.encode(text, max)));
            assertThrows(UnsupportedOperationException.class, () -> call(fast, JTokkitTokensBridge.ENCODE, e,
                    text, 3, null, () -> e.encode(text, 3)));
        } else {
            assertEquals(e.countTokens(text), count(fast, e, text, false), what);
            assertEquals(e.encode(text), ((EncodingResult) call(fast, JTokkitTokensBridge.ENCODE, e, text, max, null,
                    () -> null)).getTokens(), what);
            assertSameResult(e.encode(text, 5), call(fast, JTokkitTokensBridge.ENCODE, e, text, 5, null,
                    () -> null), what);
        }
        byte[] bytes = (byte[]) call(fast, JTokkitTokensBridge.DECODE_BYTES, e, null, 0, ordinaryIds, () -> null);
        assertArrayEquals(e.decodeBytes(ordinaryIds), bytes, what);
        // decode(ids) is new String(decodeBytes(ids), UTF_8) in JTokkit
        assertEquals(e.decode(ordinaryIds), new String(bytes, StandardCharsets.UTF_8), what);
        return special ? 3 : 0;
    }

    @Test
    void onAnswersEveryMethodAsJTokkitDoesAndDeclinesWhereItThrows() {
        Point p = point(null);
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(p);
        int specialDeclines = 0;
        int n = 0;
        for (Encoding e : new Encoding[] {O200K, CL100K}) {
            for (String text : inputs()) {
                specialDeclines += checkAll(fast, e, text);
                n++;
            }
        }
        assertTrue(specialDeclines > 10, "inputs with special tokens: " + specialDeclines);
        assertEquals(specialDeclines, p.declines(), "declined exactly the special-token calls of encode/countTokens");
        assertEquals(0, p.errors());
        assertEquals(p.calls(Path.FAST) + specialDeclines, p.calls(Path.FAST) + p.calls(Path.FALLBACK));
        assertTrue(p.calls(Path.FAST) >= 13L * n, "fast answers " + p.calls(Path.FAST));
    }

    @Test
    void longTextsCountedAgainComeFromTheMemoAndStayExact() {
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(point(null));
        for (Encoding e : new Encoding[] {O200K, CL100K}) {
            List<String> longTexts = inputs().stream()
                    .filter(t -> t.length() >= JTokkitEncodings.MEMO_MIN_CHARS).toList();
            assertTrue(longTexts.size() >= 10, "long texts " + longTexts.size());
            for (int round = 0; round < 3; round++) { // rounds after the first are memo hits
                for (String text : longTexts) {
                    assertEquals(e.countTokensOrdinary(text), count(fast, e, text, true), text);
                    if (!text.contains("<|endoftext|>") && !text.contains("<|endofprompt|>")
                            && !(e == CL100K && text.contains("<|fim_middle|>"))) {
                        assertEquals(e.countTokens(text), count(fast, e, text, false), text);
                    }
                }
            }
        }
    }

    /** The original runs: no answer (a call sampled for latency carries a PendingCall with no shadow answer). */
    static void assertDeclined(Object call) {
        assertTrue(call == null || call instanceof PendingCall && ((PendingCall) call).shadowAnswer == null,
                "declined: " + call);
    }

    @Test
    void specialIdsDecodeAsInJTokkitAndUnknownIdsDecline() {
        Point p = point(null);
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(p);
        IntArrayList special = new IntArrayList();
        special.add(100257);
        special.add(15339);
        special.add(100276);
        assertArrayEquals(CL100K.decodeBytes(special), (byte[]) call(fast, JTokkitTokensBridge.DECODE_BYTES, CL100K,
                null, 0, special, () -> null));
        IntArrayList unknown = new IntArrayList();
        unknown.add(100261);
        assertThrows(NullPointerException.class, () -> call(fast, JTokkitTokensBridge.DECODE_BYTES, CL100K, null, 0,
                unknown, () -> CL100K.decodeBytes(unknown)));
        assertThrows(NullPointerException.class, () -> call(fast, JTokkitTokensBridge.DECODE_BYTES, O200K, null, 0,
                null, () -> O200K.decodeBytes(null)));
        assertEquals(2, p.declines());
        assertEquals(0, p.errors());
        // a list of another class may read differently: declined
        IntArrayList sub = new IntArrayList() {
        };
        sub.add(42);
        assertDeclined(fast.call(JTokkitTokensBridge.DECODE_BYTES, O200K, null, 0, sub));
        // null text: the encode methods decline (JTokkit answers its own empty results), counts are 0
        assertDeclined(fast.call(JTokkitTokensBridge.ENCODE_ORDINARY, O200K, null, 5, null));
        assertEquals(0, count(fast, O200K, null, false));
        assertEquals(0, count(fast, CL100K, null, true));
    }

    @Test
    void onlyTheRealCl100kAndO200kInstancesAreOurs() throws Exception {
        JTokkitEncodings encodings = new JTokkitEncodings();
        assertEquals("cl100k_base", encodings.of(CL100K).tokenizer.encodingName());
        assertEquals("o200k_base", encodings.of(O200K).tokenizer.encodingName());
        Encoding otherRegistrysO200k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        assertNotSame(O200K, otherRegistrysO200k);
        assertNotNull(encodings.of(otherRegistrysO200k).tokenizer);
        for (EncodingType t : new EncodingType[] {EncodingType.R50K_BASE, EncodingType.P50K_BASE,
                EncodingType.P50K_EDIT}) {
            assertSame(JTokkitEncodings.NOT_OURS, encodings.of(REGISTRY.getEncoding(t)), t.getName());
        }
        Pattern o200kPattern = Pattern.compile(JTokkitEncodings.O200K_REGEX, Pattern.UNICODE_CHARACTER_CLASS);
        Map<byte[], Integer> ranks = ranks("o200k_base");
        Map<String, Integer> special = Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018);
        // the same parameters registered by an application: the same encoding, answered fast
        Encoding sameAsO200k = custom(new GptBytePairEncodingParams("o200k_base", o200kPattern, ranks, special));
        assertNotNull(encodings.of(sameAsO200k).tokenizer);
        // one rank changed, a missing rank, another regex, other special tokens, another name: the original answers
        Map<byte[], Integer> swapped = new LinkedHashMap<>(ranks);
        byte[] first = swapped.keySet().iterator().next();
        swapped.put(first, 199997);
        Map<byte[], Integer> missing = new LinkedHashMap<>(ranks);
        missing.remove(first);
        for (GptBytePairEncodingParams params : List.of(
                new GptBytePairEncodingParams("o200k_base", o200kPattern, swapped, special),
                new GptBytePairEncodingParams("o200k_base", o200kPattern, missing, special),
                new GptBytePairEncodingParams("o200k_base", Pattern.compile("\\S+|\\s+"), ranks, special),
                new GptBytePairEncodingParams("o200k_base", o200kPattern, ranks, Map.of("<|endoftext|>", 199999)),
                new GptBytePairEncodingParams("my_o200k", o200kPattern, ranks, special))) {
            assertSame(JTokkitEncodings.NOT_OURS, encodings.of(custom(params)));
        }
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(point(null));
        Encoding p50k = REGISTRY.getEncoding(EncodingType.P50K_BASE);
        assertEquals(p50k.countTokensOrdinary("declined to the original"),
                count(fast, p50k, "declined to the original", true));
    }

    @Test
    void identifyingAsideAnswersPendingUntilTheVerdictIsIn() throws Exception {
        JTokkitEncodings encodings = new JTokkitEncodings();
        Encoding p50k = REGISTRY.getEncoding(EncodingType.P50K_BASE);
        assertSame(JTokkitEncodings.PENDING, encodings.ready(O200K));
        assertSame(JTokkitEncodings.PENDING, encodings.ready(p50k));
        JTokkitEncodings.Known o200k = awaitVerdict(encodings, O200K);
        assertEquals("o200k_base", o200k.tokenizer.encodingName());
        assertSame(o200k, encodings.of(O200K), "one verdict, whichever way it was reached");
        assertSame(JTokkitEncodings.NOT_OURS, awaitVerdict(encodings, p50k));
    }

    @Test
    void aFastPathIdentifyingAsideDeclinesAnUnknownEncodingUntilItIsKnown() throws Exception {
        Point p = point(null);
        JTokkitTokensFastPath aside = new JTokkitTokensFastPath(p, true);
        // an instance no test has met: its first call cannot find a verdict
        Encoding fresh = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        String text = "answered by JTokkit until identified, then by accel-core";
        int expected = fresh.countTokensOrdinary(text);
        assertEquals(expected, count(aside, fresh, text, true));
        assertEquals(1, p.declines());
        assertEquals(0, p.calls(Path.FAST));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (p.calls(Path.FAST) == 0 && System.nanoTime() < deadline) {
            assertEquals(expected, count(aside, fresh, text, true));
            Thread.sleep(5);
        }
        assertEquals(1, p.calls(Path.FAST), "fast once identified");
        assertEquals(p.declines(), p.calls(Path.FALLBACK));
        assertEquals(0, p.errors());
    }

    private static JTokkitEncodings.Known awaitVerdict(JTokkitEncodings encodings, Encoding e) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JTokkitEncodings.Known k = encodings.ready(e);
        while (k == JTokkitEncodings.PENDING && System.nanoTime() < deadline) {
            Thread.sleep(5);
            k = encodings.ready(e);
        }
        return k;
    }

    static Encoding custom(GptBytePairEncodingParams params) {
        return Encodings.newLazyEncodingRegistry().registerGptBytePairEncoding(params)
                .getEncoding(params.getName()).orElseThrow();
    }

    static Map<byte[], Integer> ranks(String encoding) throws Exception {
        Map<byte[], Integer> ranks = new LinkedHashMap<>();
        try (InputStream in = Encoding.class.getResourceAsStream("/com/knuddels/jtokkit/" + encoding + ".tiktoken");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int space = line.indexOf(' ');
                ranks.put(Base64.getDecoder().decode(line.substring(0, space)), Integer.parseInt(line.substring(space + 1)));
            }
        }
        return ranks;
    }

    @Test
    void shadowReturnsTheOriginalsAnswersAndFindsNoMismatch() {
        Point p = point("jtokkit.tokens=shadow:100");
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(p);
        for (Encoding e : new Encoding[] {O200K, CL100K}) {
            for (String text : inputs().subList(0, 60)) {
                IntArrayList ids = e.encodeOrdinary(text);
                // the original's own objects come back, compared
                EncodingResult limited = e.encodeOrdinary(text, 3);
                assertSame(limited, call(fast, JTokkitTokensBridge.ENCODE_ORDINARY, e, text, 3, null, () -> limited));
                byte[] bytes = e.decodeBytes(ids);
                assertSame(bytes, call(fast, JTokkitTokensBridge.DECODE_BYTES, e, null, 0, ids, () -> bytes));
                assertEquals(e.countTokensOrdinary(text), count(fast, e, text, true));
            }
        }
        assertTrue(p.calls(Path.SHADOW) >= 360, "shadow calls " + p.calls(Path.SHADOW));
        assertEquals(0, p.calls(Path.FAST));
        assertEquals(0, p.shadowMismatches());
        // a wrong original answer is seen as a mismatch
        IntArrayList wrong = new IntArrayList();
        wrong.add(1);
        call(fast, JTokkitTokensBridge.ENCODE_ORDINARY, O200K, "Hello", 5, null, () -> new EncodingResult(wrong, false, 4));
        assertEquals(1, p.shadowMismatches());
    }

    @Test
    void faultsRunTheOriginalAndOpenTheBreakerAndOffTouchesNothing() {
        Point p = point("jtokkit.tokens=on,faults=jtokkit.tokens:1");
        JTokkitTokensFastPath fast = new JTokkitTokensFastPath(p);
        for (int i = 0; i < 30; i++) {
            String text = "fault " + i;
            assertSameResult(O200K.encode(text, 9), call(fast, JTokkitTokensBridge.ENCODE, O200K, text, 9, null,
                    () -> O200K.encode(text, 9)), text);
        }
        assertEquals(10, p.errors(), "ten faults open the breaker; then the original answers without trying");
        assertEquals(0, p.calls(Path.FAST));
        Point off = point("jtokkit.tokens=off");
        JTokkitTokensFastPath offPath = new JTokkitTokensFastPath(off);
        assertNull(offPath.call(JTokkitTokensBridge.ENCODE, O200K, "x", 9, null));
        assertEquals(0L, offPath.count(O200K, "x", true));
        assertEquals(0, off.calls(Path.FAST) + off.calls(Path.FALLBACK));
    }
}
