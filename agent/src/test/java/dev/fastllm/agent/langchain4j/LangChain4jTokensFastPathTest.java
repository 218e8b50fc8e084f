package dev.fastllm.agent.langchain4j;

import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.agent.bootstrap.LangChain4jTokensBridge;
import dev.fastllm.core.tokens.Tokenizer;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.fastllm.agent.langchain4j.LangChain4jLibrary.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path of langchain4j.tokens against LangChain4j's real {@code OpenAiTokenCountEstimator} (1.19.0 and
 * 1.0.0, each from its own jars in a class loader of its own), called as the bridge calls it: every message type
 * (system, user with and without a name and with several texts, AI with text, with one tool request and with
 * several, tool results), fixed and generated, alone and as whole histories, answers the estimator's own count
 * for o200k_base and cl100k_base models, "o" and "o4" models included; it declines exactly where the original
 * throws or reads Jackson, and for estimators it cannot reproduce. The text memo stays within its byte bound and
 * lets go of what it evicts.
 */
class LangChain4jTokensFastPathTest {

    static final String[] MODELS = {"gpt-4o-mini", "gpt-3.5-turbo", "o4-mini", "o3", "gpt-4", "gpt-4.1"};
    static final String[] WORDS = {"the", "model", "answers", "token", "window", "日本語", "über", "🤖",
            "<|endoftext|>", "code()", "\n", "1234", "naïve", "Straße", "—", "tabs\t", "JSON: {\"a\": 1}", "  "};

    static Point point(String settings) {
        Points points = new Points(Settings.load(settings, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("langchain4j.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    static String text(SplittableRandom r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString().isBlank() ? "x" + sb : sb.toString(); // LangChain4j refuses blank message texts
    }

    /** Messages of every type the estimator counts, each answered by the fast path. */
    static List<Object> answerable(LangChain4jLibrary lc, SplittableRandom r, int n) throws Exception {
        List<Object> m = new ArrayList<>(List.of(lc.system("You are a careful assistant."),
                lc.user("Hello"), lc.user("ann", "Hello, I am Ann"), lc.user(" ", "blank name"),
                lc.userContents(null, List.of("one", "two <|endoftext|>", "three"), null),
                lc.userContents("bob", List.of("a", "b"), null), lc.ai("Sure."), lc.ai(""),
                lc.ai(null, List.of(lc.request("1", "get_weather", "{\"city\": \"Paris\"}"))),
                lc.ai("Let me check.", List.of(lc.request("1", "get_weather", "{}"))),
                lc.ai(null, List.of(lc.request("1", "now", ""), lc.request("2", "today", "  "),
                        lc.request("3", "dice", null))),
                lc.ai("text too", List.of(lc.request("1", "a", " "), lc.request("2", "b", ""))),
                lc.toolResult("1", "get_weather", "{\"temperature\": 21}"), lc.toolResult("2", "dice", "4")));
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(7)) {
                case 0 -> m.add(lc.system(text(r, 1 + r.nextInt(40))));
                case 1 -> m.add(lc.user(text(r, 1 + r.nextInt(60))));
                case 2 -> m.add(lc.user(WORDS[r.nextInt(5)] + i, text(r, 1 + r.nextInt(20))));
                case 3 -> m.add(lc.ai(text(r, r.nextInt(300))));
                case 4 -> m.add(lc.ai(r.nextBoolean() ? null : text(r, 5), List.of(lc.request("c" + i,
                        "tool_" + text(r, 1), "{\"q\": \"" + text(r, 1 + r.nextInt(8)).replace("\"", "") + "\"}"))));
                case 5 -> m.add(lc.ai(r.nextBoolean() ? null : text(r, 5), List.of(lc.request("c" + i, "t" + i, ""),
                        lc.request("d" + i, text(r, 1), null))));
                default -> m.add(lc.toolResult("c" + i, "tool", text(r, r.nextInt(80))));
            }
        }
        return m;
    }

    /** The count the rewritten method returns, through the fast path, running the original only when told. */
    static int rewritten(LangChain4jTokensFastPath fast, int method, Object estimator, Object argument,
                         String original) throws Exception {
        long c = fast.enter(method, estimator, argument);
        if (CallState.isAnswered(c)) {
            return CallState.answer(c);
        }
        int answer = (Integer) call(estimator, original, argument);
        return c == 0 ? answer : fast.exit(c, 0, answer);
    }

    @Test
    void identifyingAsideTheOriginalAnswersUntilTheEncodingIsKnown() throws Throwable {
        // a library in a loader of its own: its JTokkit encodings are instances no test has identified
        LangChain4jLibrary lc = new LangChain4jLibrary(System.getProperty("langchain4j.version"));
        Object estimator = lc.estimator("gpt-4o-mini");
        Point p = point(null);
        LangChain4jTokensFastPath aside = new LangChain4jTokensFastPath(p, true);
        String text = "counted by the estimator itself until its encoding is identified";
        int expected = (Integer) call(estimator, "estimateTokenCountInText", text);
        assertEquals(expected, rewritten(aside, LangChain4jTokensBridge.TEXT, estimator, text,
                "estimateTokenCountInText"));
        assertEquals(1, p.declines(), "the encoding is being identified: the original answers");
        assertEquals(0, p.calls(Path.FAST));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (p.calls(Path.FAST) == 0 && System.nanoTime() < deadline) {
            assertEquals(expected, rewritten(aside, LangChain4jTokensBridge.TEXT, estimator, text,
                    "estimateTokenCountInText"));
            Thread.sleep(5);
        }
        assertEquals(1, p.calls(Path.FAST), "answered once the encoding is known");
        assertNotSame(EstimatorTwin.PENDING, aside.twin(estimator));
        assertEquals(0, p.errors());
    }

    @Test
    void everyMessageTypeCountsAsTheEstimatorCountsIt() throws Throwable {
        for (String version : new String[] {System.getProperty("langchain4j.version"),
                System.getProperty("langchain4j-oldest.version")}) {
            LangChain4jLibrary lc = new LangChain4jLibrary(version);
            SplittableRandom r = new SplittableRandom(20261201);
            for (int k = 0; k < MODELS.length; k++) {
                String model = MODELS[k];
                Point p = point(null);
                LangChain4jTokensFastPath fast = new LangChain4jTokensFastPath(p);
                Object estimator = lc.estimator(model);
                EstimatorTwin twin = fast.twin(estimator);
                assertNotSame(EstimatorTwin.NOT_OURS, twin, version + " " + model);
                List<Object> messages = answerable(lc, r, k < 2 ? 200 : 60);
                for (Object m : messages) {
                    int expected = (Integer) call(estimator, "estimateTokenCountInMessage", m);
                    assertEquals(expected, twin.message(m), version + " " + model + " " + m);
                    assertEquals(expected, rewritten(fast, LangChain4jTokensBridge.MESSAGE, estimator, m,
                            "estimateTokenCountInMessage"), m.toString());
                }
                for (int from = 0; from < messages.size(); from += 37) {
                    List<Object> history = messages.subList(from, Math.min(messages.size(), from + 60));
                    int expected = (Integer) call(estimator, "estimateTokenCountInMessages", history);
                    for (int again = 0; again < 3; again++) { // a recount, from the memo
                        assertEquals(expected, rewritten(fast, LangChain4jTokensBridge.MESSAGES, estimator, history,
                                "estimateTokenCountInMessages"), version + " " + model + " from " + from);
                    }
                }
                for (int i = 0; i < 100; i++) {
                    String t = i == 0 ? "" : text(r, r.nextInt(i % 10 == 0 ? 2000 : 30));
                    assertEquals((Integer) call(estimator, "estimateTokenCountInText", t),
                            rewritten(fast, LangChain4jTokensBridge.TEXT, estimator, t, "estimateTokenCountInText"));
                }
                assertEquals(0, p.calls(Path.FALLBACK) + p.declines(), version + " " + model);
                assertTrue(p.calls(Path.FAST) > 150, "fast " + p.calls(Path.FAST));
            }
        }
    }

    @Test
    void declinesExactlyWhereTheOriginalThrowsOrReadsJackson() throws Throwable {
        LangChain4jLibrary lc = new LangChain4jLibrary(System.getProperty("langchain4j.version"));
        Object estimator = lc.estimator("gpt-4o-mini");
        EstimatorTwin twin = EstimatorTwin.identify(estimator);
        // several tool requests with arguments: the original parses them with Jackson and answers
        Object jackson = lc.ai(null, List.of(lc.request("1", "a", "{\"x\": 1, \"y\": [2]}"), lc.request("2", "b", "")));
        assertTrue((Integer) call(estimator, "estimateTokenCountInMessage", jackson) > 0);
        assertEquals(Point.DECLINE_INT, twin.message(jackson));
        // an image, a foreign message type, a null text: the original throws
        Object image = lc.userContents(null, List.of("look"), "https://example.com/cat.png");
        Object foreign = lc.foreignMessage();
        for (Object m : new Object[] {image, foreign}) {
            assertThrows(IllegalArgumentException.class, () -> call(estimator, "estimateTokenCountInMessage", m));
            assertEquals(Point.DECLINE_INT, twin.message(m));
        }
        assertEquals(Point.DECLINE_INT, twin.text(null));
        // a history declines as a whole when one message does; an Iterable that is not a Collection declines
        assertEquals(Point.DECLINE_INT, twin.messages(List.of(lc.user("hi"), jackson)));
        List<Object> two = List.of(lc.user("hi"), lc.ai("hello"));
        Iterable<Object> once = two::iterator;
        assertEquals(Point.DECLINE_INT, twin.messages(once));
        assertEquals((Integer) call(estimator, "estimateTokenCountInMessages", two), twin.messages(two));
        // p50k_base (a JTokkit encoding accel-core does not reproduce) and anything not the estimator itself
        assertSame(EstimatorTwin.NOT_OURS, EstimatorTwin.identify(lc.estimator("text-davinci-003")));
        assertSame(EstimatorTwin.NOT_OURS, EstimatorTwin.identify(new Object()));
    }

    @Test
    void shadowComparesAndFaultsOpenTheBreakerAndOffTouchesNothing() throws Exception {
        LangChain4jLibrary lc = new LangChain4jLibrary(System.getProperty("langchain4j.version"));
        Object estimator = lc.estimator("gpt-3.5-turbo");
        List<Object> history = answerable(lc, new SplittableRandom(5), 40);
        int expected = (Integer) call(estimator, "estimateTokenCountInMessages", history);

        Point shadow = point("langchain4j.tokens=shadow:100");
        LangChain4jTokensFastPath s = new LangChain4jTokensFastPath(shadow);
        for (int i = 0; i < 5; i++) {
            assertEquals(expected, rewritten(s, LangChain4jTokensBridge.MESSAGES, estimator, history,
                    "estimateTokenCountInMessages"));
        }
        assertEquals(5, shadow.calls(Path.SHADOW));
        assertEquals(0, shadow.shadowMismatches());
        s.exit(s.enter(LangChain4jTokensBridge.MESSAGES, estimator, history), 0, expected + 1);
        assertEquals(1, shadow.shadowMismatches(), "a wrong original answer is seen");

        Point faults = point("langchain4j.tokens=on,faults=langchain4j.tokens:1");
        LangChain4jTokensFastPath f = new LangChain4jTokensFastPath(faults);
        for (int i = 0; i < 30; i++) {
            assertEquals(expected, rewritten(f, LangChain4jTokensBridge.MESSAGES, estimator, history,
                    "estimateTokenCountInMessages"));
        }
        assertEquals(10, faults.errors(), "ten faults open the breaker; then the original answers untried");
        assertEquals(0, faults.calls(Path.FAST));

        Point off = point("langchain4j.tokens=off");
        assertEquals(0L, new LangChain4jTokensFastPath(off).enter(LangChain4jTokensBridge.MESSAGES, estimator, history));
        assertEquals(0, off.calls(Path.FAST) + off.calls(Path.FALLBACK));
    }

    @Test
    void theMemoStaysWithinItsBytesAndLetsGoOfWhatItEvicts() {
        long max = 64 << 10;
        TextCounts counts = new TextCounts(Tokenizer.of("o200k_base"), max);
        Tokenizer direct = Tokenizer.of("o200k_base");
        SplittableRandom r = new SplittableRandom(3);
        List<WeakReference<String>> refs = new ArrayList<>();
        long offered = 0;
        for (int i = 0; i < 5_000; i++) {
            String t = text(r, 1 + r.nextInt(50)) + " #" + i; // distinct texts, made here: only the memo holds them
            offered += TextCounts.weight(t);
            assertEquals(direct.count(t), counts.count(t));
            assertEquals(direct.count(t), counts.count(t)); // a hit
            refs.add(new WeakReference<>(t));
            assertTrue(counts.heldBytes() <= max, "held " + counts.heldBytes());
        }
        assertTrue(offered > 10 * max, "offered " + offered);
        long alive = 0;
        for (int gc = 0; gc < 5; gc++) {
            System.gc();
            alive = 0;
            for (WeakReference<String> ref : refs) {
                String t = ref.get();
                alive += t == null ? 0 : TextCounts.weight(t);
            }
            if (alive <= max) {
                break;
            }
        }
        assertTrue(alive <= max, "texts kept alive: " + alive + " bytes of weight, bound " + max);
    }
}
