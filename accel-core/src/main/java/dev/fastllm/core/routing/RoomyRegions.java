package dev.fastllm.core.routing;

/**
 * The roomy region of each deployment of a group, fixed by its limits: compact (not frozen) words with fewer
 * requests than {@code rpm} and at most {@code tpm - slack} tokens, where the slack is {@code tpm / 16},
 * {@code tpm} unset counting as {@code Long.MAX_VALUE}. From a word in its region, one more request of up to
 * the slack fits; so while a minute's tight bit for the deployment is clear ({@link MinuteUsage}), a pick of
 * up to the slack counts it a candidate without reading its word. Without {@code tpm} every compact word's
 * tokens (at most {@link MinuteUsage#TOKENS_MAX}) are far below {@code tpm - slack}, so a request of up to
 * the slack (2^59 - 1) surely fits, and a larger one reads the word: the claim of a deployment counted
 * without reading is never refused by a word that stays in its region.
 */
final class RoomyRegions {
    /** The slack is {@code tpm >>> SLACK_SHIFT}. */
    static final int SLACK_SHIFT = 4;

    private final long[] rpm;
    private final long[] slack;
    private final long[] roomyTokens;
    private final long leastSlack;
    /** Deployments whose empty word is not roomy: those with {@code rpm} 0. */
    final long alwaysTight;

    /** @param rpm,tpm per deployment, {@code Long.MAX_VALUE} where not set */
    RoomyRegions(long[] rpm, long[] tpm) {
        int n = rpm.length;
        this.rpm = rpm;
        this.slack = new long[n];
        this.roomyTokens = new long[n];
        long least = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            slack[i] = tpm[i] >>> SLACK_SHIFT; // unset: Long.MAX_VALUE, as the original counts it
            roomyTokens[i] = tpm[i] - slack[i];
            least = Math.min(least, slack[i]);
        }
        this.leastSlack = least;
        long tight = 0;
        for (int i = 0; i < n; i++) {
            if (!contains(i, 0)) {
                tight |= 1L << i;
            }
        }
        this.alwaysTight = tight;
    }

    /** True when deployment {@code i}'s {@code word} lies in its roomy region (a frozen word never does). */
    boolean contains(int i, long word) {
        return word >= 0 && MinuteUsage.requestsOf(word) < rpm[i] && MinuteUsage.tokensOf(word) <= roomyTokens[i];
    }

    /** Deployments a request of {@code tokens} surely fits, given a minute's tight bits. */
    long sureFits(long tight, long tokens) {
        if (tokens <= leastSlack) {
            return ~tight;
        }
        long sure = 0;
        for (int i = 0; i < slack.length; i++) {
            if (tokens <= slack[i]) {
                sure |= 1L << i;
            }
        }
        return sure & ~tight;
    }

    /** The tight bits of a minute that starts with deployment {@code i} at {@code word}. */
    long tightWith(int i, long word) {
        return contains(i, word) ? alwaysTight : alwaysTight | 1L << i;
    }
}
