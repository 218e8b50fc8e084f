package dev.fastllm.agent.jtokkit;

import dev.fastllm.agent.twin.TwinTable;
import dev.fastllm.core.tokens.TokenCounter;
import dev.fastllm.core.tokens.Tokenizer;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Which of JTokkit's encoding instances are exactly its {@code cl100k_base} or {@code o200k_base}, the two
 * encodings accel-core's {@link Tokenizer} reproduces. A name is not enough: an application may register an
 * encoding of its own under any name ({@code registerGptBytePairEncoding}). So each instance is identified once,
 * on its first rewritten call, by everything its answers depend on: its class (JTokkit builds cl100k_base as its
 * own subclass with a hand-written splitter; o200k_base as the plain class with a regex), its name, its regex
 * and flags, its special tokens, and every one of its ranks compared with accel-core's. The verdict is kept per
 * instance in a {@link TwinTable} (weakly, without a lock on reads); an instance that does not match, or whose
 * fields cannot be read (another JTokkit), is {@link #NOT_OURS} and always answered by the original. One table
 * ({@link #SHARED}) serves every point that meets JTokkit encodings, so each instance is identified once.
 */
public final class JTokkitEncodings {

    /** The verdict for an encoding instance accel-core answers for. */
    static final class Known {
        final Tokenizer tokenizer;
        /** The encoding's counts of long texts, remembered (one memo per encoding per JVM). */
        final TokenCounter memo;
        final JTokkitTypes types;

        Known(Tokenizer tokenizer, TokenCounter memo, JTokkitTypes types) {
            this.tokenizer = tokenizer;
            this.memo = memo;
            this.types = types;
        }
    }

    /** The verdict for every other instance. */
    static final Known NOT_OURS = new Known(null, null, null);

    /** What {@link #ready} answers while an instance is being identified: the original answers meanwhile. */
    static final Known PENDING = new Known(null, null, null);

    /** Texts this long or longer have their counts remembered (below it, counting costs less than a lookup). */
    static final int MEMO_MIN_CHARS = 512;
    /** Chars of text each encoding's memo holds at most (2 bytes a char, plus the cache's own entries). */
    static final long MEMO_MAX_CHARS = 2_000_000;

    /** Holders: each memo is created on first use, so an encoding never counted costs nothing. */
    private static final class O200kMemo {
        static final TokenCounter MEMO = TokenCounter.memoizing(Tokenizer.of(O200K_BASE), MEMO_MAX_CHARS);
    }

    private static final class Cl100kMemo {
        static final TokenCounter MEMO = TokenCounter.memoizing(Tokenizer.of(CL100K_BASE), MEMO_MAX_CHARS);
    }

    static final String GPT_BPE = "com.knuddels.jtokkit.GptBytePairEncoding";
    static final String CL100K_CLASS = "com.knuddels.jtokkit.EncodingFactory$Cl100kGptBytePairEncoding";
    static final String CL100K_BASE = "cl100k_base";
    static final String O200K_BASE = "o200k_base";

    /** o200k_base's split regex as JTokkit 1.1.0 compiles it (with {@link Pattern#UNICODE_CHARACTER_CLASS}). */
    static final String O200K_REGEX = String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+");

    /** The flags {@code Pattern.flags()} reports for JTokkit's compilation (the JDK adds implied flags). */
    private static final int O200K_FLAGS = Pattern.compile("x", Pattern.UNICODE_CHARACTER_CLASS).flags();

    private static final Map<Integer, String> CL100K_SPECIAL = Map.of(100257, "<|endoftext|>",
            100258, "<|fim_prefix|>", 100259, "<|fim_middle|>", 100260, "<|fim_suffix|>", 100276, "<|endofprompt|>");
    private static final Map<Integer, String> O200K_SPECIAL = Map.of(199999, "<|endoftext|>",
            200018, "<|endofprompt|>");

    /** The verdicts every point shares. */
    static final JTokkitEncodings SHARED = new JTokkitEncodings();

    private final TwinTable<Known> verdicts = new TwinTable<>();

    /**
     * accel-core's tokenizer when {@code encoding} is exactly JTokkit's {@code cl100k_base} or {@code o200k_base}
     * instance, else null (identified once per instance, shared with {@code jtokkit.tokens}).
     */
    public static Tokenizer tokenizerOf(Object encoding) {
        return encoding == null ? null : SHARED.of(encoding).tokenizer;
    }

    /**
     * False while {@code encoding} is being identified aside ({@link #ready} on the shared verdicts, which starts
     * that when it has not begun); true once it has a verdict, whatever it is.
     */
    public static boolean identifiedAside(Object encoding) {
        return SHARED.ready(encoding) != PENDING;
    }

    /** The verdict for {@code encoding}: one lookup after its first call, which identifies it. */
    Known of(Object encoding) {
        Known k = verdicts.get(encoding);
        return k != null ? k : verdicts.computeIfAbsent(encoding, JTokkitEncodings::identify);
    }

    /** Instances handed to the identifying thread and not yet identified (weakly; touched only before a verdict). */
    private final Map<Object, Boolean> identifying = new WeakHashMap<>();
    private final ThreadPoolExecutor identifier = identifier();

    /**
     * The verdict for {@code encoding} if it has one, else {@link #PENDING}, having asked a daemon thread to
     * identify it (once): the caller's thread never reads a vocabulary or compares ranks, so the first calls of
     * an encoding cost what the original costs (it answers them) instead of the identification's 0.2 to 0.7 s
     * in a fresh JVM. One lookup once identified.
     */
    Known ready(Object encoding) {
        Known k = verdicts.get(encoding);
        if (k != null) {
            return k;
        }
        synchronized (identifying) {
            k = verdicts.get(encoding);
            if (k != null || identifying.put(encoding, Boolean.TRUE) != null) {
                return k != null ? k : PENDING;
            }
        }
        try {
            identifier.execute(() -> {
                try {
                    of(encoding);
                } finally {
                    forget(encoding);
                }
            });
        } catch (Throwable t) {
            forget(encoding); // a later call asks again
        }
        return PENDING;
    }

    private void forget(Object encoding) {
        synchronized (identifying) {
            identifying.remove(encoding);
        }
    }

    /** One daemon thread, started on demand and gone after 10 s without work. */
    private static ThreadPoolExecutor identifier() {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "fast-llm-identify");
            t.setDaemon(true);
            t.setContextClassLoader(null);
            return t;
        });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    static Known identify(Object encoding) {
        try {
            Class<?> c = encoding.getClass();
            String encodingName;
            if (c.getName().equals(CL100K_CLASS)) {
                encodingName = CL100K_BASE;
            } else if (c.getName().equals(GPT_BPE)) {
                encodingName = O200K_BASE;
            } else {
                return NOT_OURS;
            }
            Class<?> bpe = c.getName().equals(GPT_BPE) ? c : c.getSuperclass();
            if (!encodingName.equals(read(bpe, "name", encoding)) || !expectedPattern(encodingName,
                    (Pattern) read(bpe, "pattern", encoding))) {
                return NOT_OURS;
            }
            Object specialEncoder = read(bpe, "specialEncoder", encoding);
            Map<?, ?> special = (Map<?, ?>) read(specialEncoder.getClass(), "encodedToDecoded", specialEncoder);
            Map<Integer, String> expectedSpecial = encodingName.equals(CL100K_BASE) ? CL100K_SPECIAL : O200K_SPECIAL;
            if (!new HashMap<>(special).equals(expectedSpecial)) {
                return NOT_OURS;
            }
            Object tokenEncoder = read(bpe, "encoder", encoding);
            Map<?, ?> ranks = (Map<?, ?>) read(tokenEncoder.getClass(), "decoder", tokenEncoder);
            Tokenizer tokenizer = Tokenizer.of(encodingName);
            if (!sameRanks(tokenizer, ranks, expectedSpecial)) {
                return NOT_OURS;
            }
            TokenCounter memo = encodingName.equals(CL100K_BASE) ? Cl100kMemo.MEMO : O200kMemo.MEMO;
            return new Known(tokenizer, memo, JTokkitTypes.of(c));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return NOT_OURS;
        }
    }

    private static boolean expectedPattern(String encodingName, Pattern pattern) {
        if (encodingName.equals(CL100K_BASE)) {
            return pattern == null; // JTokkit splits cl100k_base by hand (Cl100kParser), with no regex
        }
        return pattern != null && pattern.pattern().equals(O200K_REGEX)
                && pattern.flags() == O200K_FLAGS;
    }

    /**
     * Whether JTokkit's id-to-bytes map is accel-core's vocabulary: every ordinary id has the same bytes in
     * both, and the map holds as many ordinary ids as accel-core has (ids are dense from 0, and a map's keys are
     * distinct, so that makes them the same set). JTokkit also caches the special tokens it has decoded in this
     * map; those must be the special tokens' text. Compares in place: no array per rank.
     */
    private static boolean sameRanks(Tokenizer tokenizer, Map<?, ?> ranks, Map<Integer, String> special) {
        int ordinary = 0;
        for (Map.Entry<?, ?> e : ranks.entrySet()) {
            int id = (Integer) e.getKey();
            byte[] bytes = (byte[]) e.getValue();
            String text = special.get(id);
            if (text != null) {
                if (!Arrays.equals(bytes, text.getBytes(StandardCharsets.UTF_8))) {
                    return false;
                }
                continue;
            }
            if (!tokenizer.isOrdinaryToken(id, bytes)) {
                return false;
            }
            ordinary++;
        }
        return ordinary == tokenizer.ordinaryTokenCount();
    }

    private static Object read(Class<?> owner, String field, Object instance) throws ReflectiveOperationException {
        Field f = owner.getDeclaredField(field);
        f.setAccessible(true);
        return f.get(instance);
    }
}
