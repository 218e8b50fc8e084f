/**
 * Exact token counting for OpenAI encodings (cl100k_base, o200k_base), a drop-in for JTokkit's
 * {@code countTokensOrdinary}: {@link dev.fastllm.core.tokens.TokenCounter} is the whole public face.
 *
 * <p>A text is split into pieces by a hand-written scanner per encoding (the encoding's regex, or in
 * cl100k_base's case JTokkit's own scanner, rule for rule), each piece's chars become bytes, and the
 * bytes are merged pair by pair by rank. Piece counts are cached; whole-text counts can be memoised.
 * Unpaired surrogates follow JTokkit: o200k_base writes '?' for one, cl100k_base its three-byte form.
 */
package dev.fastllm.core.tokens;
