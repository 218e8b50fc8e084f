package dev.fastllm.core.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the token-counting corpus: English prose, source code, JSON, CJK and mixed scripts, about
 * 1.2 million chars in all, from a fixed seed, so every run of every machine sees the same text.
 * The files are committed under {@code src/test/resources/corpus/}; {@code CorpusTest} checks that they
 * are still what this class generates. Regenerate with
 * {@code java accel-core/src/test/java/dev/fastllm/core/tokens/CorpusGenerator.java accel-core/src/test/resources/corpus}.
 */
public final class CorpusGenerator {
    static final long SEED = 20_261_121L;
    static final String[] FILES = {"prose", "code", "json", "cjk", "mixed"};

    private final SplittableRandom random;

    CorpusGenerator(long seed) {
        random = new SplittableRandom(seed);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/corpus");
        Files.createDirectories(dir);
        for (Map.Entry<String, String> file : generate().entrySet()) {
            Files.writeString(dir.resolve(file.getKey() + ".txt"), file.getValue(), StandardCharsets.UTF_8);
        }
    }

    /** File name (without .txt) to content, in {@link #FILES} order. */
    static Map<String, String> generate() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("prose", new CorpusGenerator(SEED).prose(330_000));
        files.put("code", new CorpusGenerator(SEED + 1).code(300_000));
        files.put("json", new CorpusGenerator(SEED + 2).json(250_000));
        files.put("cjk", new CorpusGenerator(SEED + 3).cjk(160_000));
        files.put("mixed", new CorpusGenerator(SEED + 4).mixed(200_000));
        return files;
    }

    private String pick(String[] words) {
        return words[random.nextInt(words.length)];
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    // ---------------------------------------------------------------- prose

    private static final String[] NOUNS = ("time year people way day man thing woman life child world school state "
            + "family student group country problem hand part place case week company system program question work "
            + "government number night point home water room mother area money story fact month lot right study book "
            + "eye job word business issue side kind head house service friend father power hour game line end member "
            + "law car city community name president team minute idea kid body information back parent face others "
            + "level office door health person art war history party result change morning reason research girl guy "
            + "moment air teacher force education gateway request token model server latency memory budget cache "
            + "river mountain garden letter window morning evening harbour village engine signal").split(" ");
    private static final String[] VERBS = ("is was has had made said went took saw came knew got gave found thought "
            + "told became showed left felt brought began kept held wrote stood heard meant met ran paid sat spoke "
            + "lay led read grew lost fell sent built understood drew broke spent cut rose drove bought wore chose "
            + "measured counted routed cached returned waited opened closed followed carried").split(" ");
    private static final String[] ADJECTIVES = ("good new first last long great little own other old right big high "
            + "different small large next early young important few public bad same able quiet careful bright cold "
            + "warm strange simple heavy sudden distant narrow broad gentle exact rapid steady").split(" ");
    private static final String[] SMALL = ("the the the a a an this that its their our his her every no some "
            + "each").split(" ");
    private static final String[] LINKS = ("and but or so because although while when after before until since "
            + "though yet").split(" ");
    private static final String[] PREPOSITIONS = "in on at by with from into over under through across near beyond"
            .split(" ");
    private static final String[] NAMES = ("Alice Bob Carol Dmitri Elena Farid Grace Hiro Ingrid Jamal Keiko Luis "
            + "Maria Noor Olga Pierre Quinn Rosa Sven Tariq London Paris Lisbon Nairobi Toronto Osaka Monday "
            + "Tuesday January September NASA OpenAI Java Python").split(" ");
    private static final String[] CONTRACTED = ("don't it's we'll they're I'm you've he'd she's can't won't isn't "
            + "we'd they'll I've you're that's there's wasn't didn't couldn't").split(" ");

    private String nounPhrase() {
        if (chance(0.12)) {
            return pick(NAMES);
        }
        String np = pick(SMALL) + " " + (chance(0.4) ? pick(ADJECTIVES) + " " : "") + pick(NOUNS);
        return chance(0.15) ? np + "s" : np;
    }

    private String clause() {
        StringBuilder s = new StringBuilder();
        if (chance(0.15)) {
            s.append(pick(CONTRACTED)).append(' ');
        }
        s.append(nounPhrase()).append(' ').append(pick(VERBS)).append(' ').append(nounPhrase());
        if (chance(0.5)) {
            s.append(' ').append(pick(PREPOSITIONS)).append(' ').append(nounPhrase());
        }
        if (chance(0.1)) {
            s.append(' ').append(random.nextInt(1, 2100));
        }
        if (chance(0.05)) {
            s.append(" (").append(random.nextInt(1, 100)).append("%)");
        }
        return s.toString();
    }

    private String sentence() {
        StringBuilder s = new StringBuilder(clause());
        while (chance(0.35)) {
            s.append(chance(0.5) ? ", " : " ").append(pick(LINKS)).append(' ').append(clause());
        }
        s.setCharAt(0, Character.toUpperCase(s.charAt(0)));
        String end = chance(0.85) ? "." : chance(0.5) ? "?" : "!";
        if (chance(0.1)) {
            return "\u201C" + s + end + "\u201D said " + pick(NAMES) + ".";
        }
        if (chance(0.06)) {
            return "\"" + s + end + "\"";
        }
        return s + end;
    }

    String prose(int chars) {
        StringBuilder out = new StringBuilder(chars + 1000);
        while (out.length() < chars) {
            if (chance(0.08)) {
                String noun = pick(NOUNS);
                out.append("## ").append(Character.toUpperCase(noun.charAt(0))).append(noun.substring(1))
                        .append(" and the ").append(pick(NOUNS)).append("\n\n");
            }
            int sentences = random.nextInt(2, 8);
            for (int i = 0; i < sentences; i++) {
                out.append(sentence()).append(i + 1 < sentences ? " " : "");
            }
            out.append(chance(0.1) ? "\n" : "\n\n");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- code

    private static final String[] IDENT_PARTS = ("request response token count limit window bucket key value node "
            + "route pool lease client server cache entry index offset length buffer channel handler config model "
            + "deployment retry timeout latency metric breaker state size hash slot piece rank merge").split(" ");
    private static final String[] TYPES = ("int long String boolean double List<String> Map<String, Integer> "
            + "byte[] Optional<Lease> CompletableFuture<Response> char[]").split(" ");

    private String camel(int parts, boolean upper) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            String p = pick(IDENT_PARTS);
            s.append(i == 0 && !upper ? p : Character.toUpperCase(p.charAt(0)) + p.substring(1));
        }
        return s.toString();
    }

    private String snake(int parts) {
        StringBuilder s = new StringBuilder(pick(IDENT_PARTS));
        for (int i = 1; i < parts; i++) {
            s.append('_').append(pick(IDENT_PARTS));
        }
        return s.toString();
    }

    private String expression() {
        switch (random.nextInt(7)) {
            case 0:
                return camel(2, false) + " + " + random.nextInt(1000);
            case 1:
                return camel(1, false) + "." + camel(2, false) + "(" + camel(1, false) + ", " + random.nextInt(64) + ")";
            case 2:
                return "\"" + pick(NOUNS) + " " + pick(VERBS) + ": \" + " + camel(2, false);
            case 3:
                return "(" + camel(1, false) + " << " + random.nextInt(32) + ") | 0x" + Integer.toHexString(random.nextInt());
            case 4:
                return camel(1, false) + "[" + camel(1, false) + " & mask]";
            case 5:
                return random.nextInt(100) + "." + random.nextInt(1000) + "e-" + random.nextInt(9);
            default:
                return "new " + camel(2, true) + "<>(" + random.nextInt(16) + ")";
        }
    }

    private void javaMethod(StringBuilder out, String indent) {
        if (chance(0.5)) {
            out.append(indent).append("/**\n").append(indent).append(" * ").append(sentence()).append('\n')
                    .append(indent).append(" * @param ").append(camel(1, false)).append(" the ").append(pick(NOUNS))
                    .append('\n').append(indent).append(" */\n");
        }
        out.append(indent).append(chance(0.7) ? "public " : "private ").append(pick(TYPES)).append(' ')
                .append(camel(2, false)).append('(').append(pick(TYPES)).append(' ').append(camel(1, false))
                .append(") {\n");
        int lines = random.nextInt(2, 9);
        String inner = indent + "    ";
        for (int i = 0; i < lines; i++) {
            switch (random.nextInt(5)) {
                case 0:
                    out.append(inner).append("if (").append(camel(1, false)).append(" >= ").append(random.nextInt(4096))
                            .append(") {\n").append(inner).append("    return ").append(expression()).append(";\n")
                            .append(inner).append("}\n");
                    break;
                case 1:
                    out.append(inner).append("for (int i = 0; i < ").append(camel(1, false)).append(".length; i++) {\n")
                            .append(inner).append("    ").append(camel(1, false)).append(" += ").append(expression())
                            .append(";\n").append(inner).append("}\n");
                    break;
                case 2:
                    out.append(inner).append("// ").append(clause()).append('\n');
                    break;
                default:
                    out.append(inner).append(pick(TYPES)).append(' ').append(camel(2, false)).append(" = ")
                            .append(expression()).append(";\n");
            }
        }
        out.append(inner).append("return ").append(camel(1, false)).append(";\n").append(indent).append("}\n\n");
    }

    private void pythonFunction(StringBuilder out) {
        out.append("def ").append(snake(random.nextInt(1, 4))).append('(').append(snake(1)).append(", ")
                .append(snake(2)).append("=None):\n");
        out.append("    \"\"\"").append(sentence()).append("\"\"\"\n");
        int lines = random.nextInt(2, 8);
        for (int i = 0; i < lines; i++) {
            switch (random.nextInt(4)) {
                case 0:
                    out.append("    if ").append(snake(1)).append(" is None:\n        ").append(snake(1))
                            .append(" = {}\n");
                    break;
                case 1:
                    out.append("    for ").append(snake(1)).append(" in range(").append(random.nextInt(100))
                            .append("):\n        ").append(snake(2)).append(".append(f\"{").append(snake(1))
                            .append("}: ").append(pick(NOUNS)).append("\")\n");
                    break;
                case 2:
                    out.append("    # ").append(clause()).append('\n');
                    break;
                default:
                    out.append("    ").append(snake(2)).append(" = ").append(snake(1)).append(".get('")
                            .append(snake(1)).append("', ").append(random.nextInt(10_000)).append(")\n");
            }
        }
        out.append("    return ").append(snake(2)).append("\n\n\n");
    }

    String code(int chars) {
        StringBuilder out = new StringBuilder(chars + 2000);
        while (out.length() < chars) {
            if (chance(0.6)) {
                out.append("package dev.example.").append(pick(IDENT_PARTS)).append(";\n\nimport java.util.")
                        .append(camel(1, true)).append(";\n\npublic final class ").append(camel(2, true))
                        .append(" {\n    private static final int ").append(snake(2).toUpperCase(Locale.ROOT))
                        .append(" = ").append(random.nextInt(1 << 20)).append(";\n\n");
                int methods = random.nextInt(2, 6);
                for (int i = 0; i < methods; i++) {
                    javaMethod(out, "    ");
                }
                out.append("}\n\n");
            } else {
                pythonFunction(out);
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- json

    private String jsonString() {
        switch (random.nextInt(6)) {
            case 0:
                return "\"" + sentence().replace("\"", "\\\"") + "\"";
            case 1:
                return "\"caf\\u00e9 \\u2014 " + pick(NOUNS) + "\"";
            case 2:
                return "\"" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()) + "\"";
            case 3:
                return "\"https://api.example.com/v1/" + pick(IDENT_PARTS) + "/" + random.nextInt(100_000) + "?q="
                        + pick(NOUNS) + "\"";
            default:
                return "\"" + pick(NOUNS) + "\"";
        }
    }

    private void jsonValue(StringBuilder out, int depth, String indent, boolean pretty) {
        int kind = depth > 3 ? random.nextInt(4) : random.nextInt(7);
        switch (kind) {
            case 0:
                out.append(jsonString());
                break;
            case 1:
                out.append(random.nextInt(-5000, 100_000));
                break;
            case 2:
                out.append(String.format(Locale.ROOT, "%.4f", random.nextDouble() * 1000));
                break;
            case 3:
                out.append(chance(0.5) ? "true" : chance(0.5) ? "false" : "null");
                break;
            case 4: {
                out.append('[');
                int n = random.nextInt(0, 6);
                for (int i = 0; i < n; i++) {
                    out.append(i > 0 ? ", " : "");
                    jsonValue(out, depth + 1, indent, false);
                }
                out.append(']');
                break;
            }
            default:
                jsonObject(out, depth + 1, indent, pretty);
        }
    }

    private void jsonObject(StringBuilder out, int depth, String indent, boolean pretty) {
        String inner = indent + "  ";
        out.append('{');
        int n = random.nextInt(1, 6);
        for (int i = 0; i < n; i++) {
            out.append(i > 0 ? "," : "");
            if (pretty) {
                out.append('\n').append(inner);
            }
            out.append('"').append(chance(0.5) ? camel(random.nextInt(1, 3), false) : snake(random.nextInt(1, 3)))
                    .append("\":").append(pretty ? " " : "");
            jsonValue(out, depth, inner, pretty);
        }
        if (pretty) {
            out.append('\n').append(indent);
        }
        out.append('}');
    }

    String json(int chars) {
        StringBuilder out = new StringBuilder(chars + 2000);
        while (out.length() < chars) {
            if (chance(0.4)) {
                out.append("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":")
                        .append(jsonString()).append("},{\"role\":\"user\",\"content\":\"")
                        .append(sentence().replace("\"", "\\\"")).append("\"}],\"max_tokens\":")
                        .append(random.nextInt(16, 4096)).append(",\"temperature\":0.").append(random.nextInt(10))
                        .append("}\n");
            } else {
                jsonObject(out, 0, "", chance(0.7));
                out.append('\n');
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- CJK

    private static final String HANZI = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之"
            + "过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已"
            + "老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很"
            + "业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼"
            + "体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受"
            + "光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科"
            + "怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步"
            + "完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研"
            + "像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝"
            + "模型令牌缓存请求服务器延迟内存预算";
    private static final String KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
            + "がぎぐげござじずぜぞだでどばびぶべぼぱぴぷぺぽっゃゅょ";
    private static final String KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
            + "ガギグゲゴザジズゼゾダデドバビブベボパピプペポッャュョー";
    private static final String[] KATAKANA_WORDS = "サーバー トークン キャッシュ モデル リクエスト データ システム コンピューター プログラム ネットワーク"
            .split(" ");
    private static final String[] JA_PARTICLES = "は が を に で と の も から まで".split(" ");
    private static final String[] HANGUL_WORDS = ("안녕하세요 감사합니다 서버 토큰 모델 요청 응답 시간 사람 세계 학교 "
            + "회사 문제 생각 오늘 내일 우리 그리고 하지만 정말 데이터 시스템 네트워크 프로그램 메모리 사용자 개발자").split(" ");
    private static final String[] HANGUL_ENDINGS = "는 가 를 에 에서 와 의 도 입니다 합니다 했습니다 이다".split(" ");

    private String hanziRun(int min, int max) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(min, max);
        for (int i = 0; i < n; i++) {
            // common characters are drawn more often: square the uniform draw
            double u = random.nextDouble();
            s.append(HANZI.charAt((int) (u * u * HANZI.length())));
        }
        return s.toString();
    }

    String cjk(int chars) {
        StringBuilder out = new StringBuilder(chars + 1000);
        while (out.length() < chars) {
            int kind = random.nextInt(3);
            int sentences = random.nextInt(2, 7);
            for (int i = 0; i < sentences; i++) {
                if (kind == 0) {
                    int clauses = random.nextInt(1, 4);
                    for (int c = 0; c < clauses; c++) {
                        out.append(hanziRun(4, 18)).append(c + 1 < clauses ? (chance(0.8) ? "，" : "、") : "");
                    }
                    if (chance(0.1)) {
                        out.append("「").append(hanziRun(2, 6)).append("」");
                    }
                    if (chance(0.1)) {
                        out.append(random.nextInt(1, 3000)).append("年");
                    }
                    out.append(chance(0.85) ? "。" : chance(0.5) ? "？" : "！");
                } else if (kind == 1) {
                    int phrases = random.nextInt(2, 6);
                    for (int c = 0; c < phrases; c++) {
                        if (chance(0.3)) {
                            out.append(pick(KATAKANA_WORDS));
                        } else if (chance(0.2)) {
                            for (int k = random.nextInt(2, 5); k > 0; k--) {
                                out.append(KATAKANA.charAt(random.nextInt(KATAKANA.length())));
                            }
                        } else {
                            out.append(hanziRun(1, 4));
                        }
                        out.append(pick(JA_PARTICLES));
                        for (int k = random.nextInt(0, 4); k > 0; k--) {
                            out.append(KANA.charAt(random.nextInt(KANA.length())));
                        }
                        if (chance(0.2)) {
                            out.append('、');
                        }
                    }
                    out.append(chance(0.5) ? "です。" : "ました。");
                } else {
                    int words = random.nextInt(3, 9);
                    for (int w = 0; w < words; w++) {
                        out.append(pick(HANGUL_WORDS));
                        if (chance(0.5)) {
                            out.append(pick(HANGUL_ENDINGS));
                        }
                        out.append(w + 1 < words ? (chance(0.1) ? ", " : " ") : "");
                    }
                    out.append(chance(0.8) ? ". " : "? ");
                }
            }
            out.append("\n\n");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- mixed scripts

    private static final String[] MIXED_WORDS = {
        // Cyrillic, Greek, Arabic, Hebrew
        "Привет", "мир", "сервер", "токен", "запрос", "Москва", "быстро", "Καλημέρα", "κόσμος", "λόγος", "ΑΘΗΝΑ",
        "مرحبا", "العالم", "الخادم", "شكرا", "שלום", "עולם", "תודה",
        // Devanagari and Thai, with combining vowel signs and viramas
        "नमस्ते", "दुनिया", "हिन्दी", "क्षत्रिय", "สวัสดี", "ภาษาไทย", "ขอบคุณ",
        // Latin with precomposed and decomposed accents
        "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030Angstro\u0308m", "façade", "Straße", "ĳsselmeer",
        "ǅemal", "ﬁnance", "İstanbul", "ſtrong",
        // emoji: plain, skin tones, ZWJ families, flags, keycaps, variation selectors
        "😀", "👍🏽", "👨\u200D👩\u200D👧\u200D👦", "🏳\uFE0F\u200D🌈", "🇯🇵", "🇺🇳", "1\uFE0F\u20E3", "❤\uFE0F", "🧑🏿\u200D💻",
        // letters and digits outside the BMP, numbers of other kinds
        "𝐇𝐞𝐥𝐥𝐨", "𝟙𝟚𝟛", "𠀀𠀁", "٣٤٥", "१२३", "Ⅻ", "½", "²³", "①②",
        // symbols and spacing
        "∑", "≈", "→", "€", "¥", "©", "…", "—", "\u00A0", "\u2009", "\u3000", "\u200B", "\uFEFF",
    };

    String mixed(int chars) {
        StringBuilder out = new StringBuilder(chars + 1000);
        while (out.length() < chars) {
            int words = random.nextInt(4, 20);
            for (int w = 0; w < words; w++) {
                if (chance(0.45)) {
                    out.append(pick(MIXED_WORDS));
                } else if (chance(0.3)) {
                    out.append(pick(NOUNS));
                } else if (chance(0.2)) {
                    out.append(random.nextInt(0, 1_000_000));
                } else {
                    out.append(pick(CONTRACTED).toUpperCase(Locale.ROOT));
                }
                out.append(chance(0.1) ? ", " : chance(0.05) ? "  " : chance(0.03) ? "\t" : " ");
            }
            out.append(chance(0.3) ? "\r\n" : chance(0.5) ? "\n" : "\n\n");
            if (chance(0.05)) {
                out.append("- [link](https://example.org/").append(pick(NOUNS)).append(") **").append(pick(NOUNS))
                        .append("** `").append(camel(2, false)).append("()`\n");
            }
        }
        return out.toString();
    }
}
