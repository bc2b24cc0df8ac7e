package dev.orderbook.codec;

import dev.orderbook.codec.io.Swar;

import java.nio.charset.StandardCharsets;

/**
 * A strict, allocation-free pull reader for one JSON document in a byte array (RFC 8259 grammar: objects, arrays,
 * strings with escapes, numbers, {@code true}/{@code false}/{@code null}), built for the decoder's hot path.
 *
 * <p>Strings are not decoded: {@link #readString()} validates one and records where its raw content lies in the
 * input ({@link #strStart}, {@link #strEnd}) and whether it holds escapes ({@link #strEscaped}); callers use the raw
 * bytes directly on the common path and {@link #unescape} on the rare one. Syntax errors throw {@link SyntaxError},
 * which has no stack trace and carries the byte position.
 *
 * <p>Single thread; not thread-safe; reusable through {@link #reset}.
 */
final class JsonReader {
    /** Deepest nesting accepted; Coinbase messages use at most 5. */
    static final int MAX_DEPTH = 32;

    private static final long BELOW_QUOTE_PLUS_ONE = Swar.broadcast((byte) ('"' + 1));
    private static final long BACKSLASHES = Swar.broadcast((byte) '\\');

    /** A JSON syntax error; cheap to throw (no stack trace). */
    static final class SyntaxError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SyntaxError(final String message) {
            super(message, null, false, false);
        }
    }

    private byte[] b;
    private int pos;
    private int end;
    private int start;
    private int depth;
    private final boolean[] first = new boolean[MAX_DEPTH + 1];

    /** Raw content of the last string read: {@code b[strStart, strEnd)}, without quotes. */
    int strStart;
    int strEnd;
    /** True if the last string read contains escape sequences. */
    boolean strEscaped;

    // What regionEquals compares: the raw string in the input, or a field name with its escapes resolved.
    private byte[] cmpBytes;
    private int cmpStart;
    private int cmpEnd;
    // Scratch for appendStringTo; grows to the longest string appended.
    private char[] chars = new char[64];

    void reset(final byte[] bytes, final int offset, final int length) {
        b = bytes;
        pos = offset;
        start = offset;
        end = offset + length;
        depth = 0;
    }

    byte[] bytes() {
        return b;
    }

    private SyntaxError error(final String what) {
        return new SyntaxError(what + " at byte " + (pos - start));
    }

    private void skipWhitespace() {
        final byte[] bytes = b;
        int p = pos;
        while (p < end) {
            final byte c = bytes[p];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            p++;
        }
        pos = p;
    }

    /** Byte position in the input of the next significant byte (whitespace skipped). */
    int position() {
        skipWhitespace();
        return pos;
    }

    /** Byte position just after what was consumed last (no whitespace skipped). */
    int consumedUpTo() {
        return pos;
    }

    /** The next significant byte without consuming it; 0 at the end of input. */
    byte peek() {
        skipWhitespace();
        return pos < end ? b[pos] : 0;
    }

    /** True if only whitespace remains. */
    boolean atEnd() {
        skipWhitespace();
        return pos >= end;
    }

    void enterObject() {
        if (peek() != '{') {
            throw error("expected '{'");
        }
        pos++;
        push();
    }

    void enterArray() {
        if (peek() != '[') {
            throw error("expected '['");
        }
        pos++;
        push();
    }

    private void push() {
        if (depth == MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        first[++depth] = true;
    }

    /**
     * Advances to the next field of the current object and reads its name (see {@link #strStart}); consumes the
     * colon. Returns false, consuming the closing brace, when the object ends.
     */
    boolean nextField() {
        final byte c = peek();
        if (c == '}') {
            pos++;
            depth--;
            return false;
        }
        if (!first[depth]) {
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
            pos++;
            if (peek() != '"') {
                throw error("expected a field name");
            }
        } else if (c != '"') {
            throw error("expected a field name or '}'");
        }
        first[depth] = false;
        readString();
        if (strEscaped) {
            // Rare: a field name written with escapes ("product\u005fid") still names its field.
            final byte[] name = unescape();
            cmpBytes = name;
            cmpStart = 0;
            cmpEnd = name.length;
            strEscaped = false;
        }
        if (peek() != ':') {
            throw error("expected ':'");
        }
        pos++;
        return true;
    }

    /** Advances to the next element of the current array. Returns false, consuming the bracket, at its end. */
    boolean nextElement() {
        // Common case first: a comma straight after the previous element and no whitespace after it.
        final int p = pos;
        if (p + 1 < end && b[p] == ',' && b[p + 1] > ' ' && !first[depth]) {
            pos = p + 1;
            return true;
        }
        final byte c = peek();
        if (c == ']') {
            pos++;
            depth--;
            return false;
        }
        if (!first[depth]) {
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
            pos++;
            skipWhitespace();
        }
        first[depth] = false;
        return true;
    }

    /** True if the last string read equals the ASCII bytes {@code s} (escape-free strings only). */
    boolean regionEquals(final byte[] s) {
        final int n = cmpEnd - cmpStart;
        if (n != s.length) {
            return false;
        }
        final byte[] bytes = cmpBytes;
        final int start = cmpStart;
        for (int i = 0; i < n; i++) {
            if (bytes[start + i] != s[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Fast path for the compact form in which Coinbase sends levels and changes: an array of exactly {@code n}
     * strings with no whitespace and no escapes, such as {@code ["buy","64999.50","0.12"]}. On a match the whole
     * array is consumed and string {@code k}'s raw content is {@code starts[k]..ends[k]}; otherwise nothing is
     * consumed and the caller takes the general path, which accepts every valid form and reports every invalid one.
     */
    boolean compactStringArray(final int n, final int[] starts, final int[] ends) {
        final byte[] bytes = b;
        final int limit = end;
        int p = pos;
        if (p + 2 > limit || bytes[p] != '[') {
            return false;
        }
        p++;
        for (int k = 0; k < n; k++) {
            if (p >= limit || bytes[p] != '"') {
                return false;
            }
            final int s = p + 1;
            p = endOfPlainString(bytes, s, limit);
            if (p < 0) {
                return false;
            }
            starts[k] = s;
            ends[k] = p;
            p++;
            if (p >= limit || bytes[p] != (k == n - 1 ? ']' : ',')) {
                return false;
            }
            p++;
        }
        pos = p;
        strEscaped = false;
        return true;
    }

    /**
     * Fast path for the compact form of Advanced Trade's update objects: an object of at most {@code maxPairs}
     * string-valued fields with no whitespace and no escapes, such as
     * {@code {"side":"bid","price_level":"1.5","new_quantity":"2"}}. On a match the whole object is consumed, pair
     * {@code k}'s raw key is {@code keyStarts[k]..keyEnds[k]} and raw value {@code valueStarts[k]..valueEnds[k]}, and
     * the number of pairs is returned; otherwise nothing is consumed and -1 is returned (the general path takes it).
     */
    int compactStringObject(final int maxPairs, final int[] keyStarts, final int[] keyEnds,
                            final int[] valueStarts, final int[] valueEnds) {
        final byte[] bytes = b;
        final int limit = end;
        int p = pos;
        if (p >= limit || bytes[p] != '{') {
            return -1;
        }
        p++;
        for (int n = 0; n < maxPairs; n++) {
            if (p >= limit || bytes[p] != '"') {
                return -1;
            }
            final int ks = p + 1;
            p = endOfPlainString(bytes, ks, limit);
            if (p < 0 || p + 2 >= limit || bytes[p + 1] != ':' || bytes[p + 2] != '"') {
                return -1;
            }
            keyStarts[n] = ks;
            keyEnds[n] = p;
            final int vs = p + 3;
            p = endOfPlainString(bytes, vs, limit);
            if (p < 0 || p + 1 >= limit) {
                return -1;
            }
            valueStarts[n] = vs;
            valueEnds[n] = p;
            p++;
            if (bytes[p] == '}') {
                pos = p + 1;
                strEscaped = false;
                return n + 1;
            }
            if (bytes[p] != ',') {
                return -1;
            }
            p++;
        }
        return -1;
    }

    /**
     * A fixed object shape whose values are all strings: the exact bytes before the first value, between each two
     * values and after the last, such as Advanced Trade's update
     * {@code {"side":"bid","event_time":"...","price_level":"...","new_quantity":"..."}} as
     * {@code {"side":"}, {@code ","event_time":"}, {@code ","price_level":"}, {@code ","new_quantity":"},
     * {@code "}}. Immutable.
     */
    static final class StringTemplate {
        /** Longest piece: up to three eight-byte words are compared. */
        static final int MAX_PIECE_BYTES = 3 * Long.BYTES;

        private final byte[][] pieces;
        private final int[] lengths;
        // Pieces of 8 bytes or more as the words at offset 0, at offset 8 (used if longer than 16) and at length-8.
        private final long[] firstWords;
        private final long[] middleWords;
        private final long[] lastWords;

        /** @param pieces n + 1 ASCII pieces around n values; pieces after the first start with the closing quote */
        StringTemplate(final String... pieces) {
            if (pieces.length < 2) {
                throw new IllegalArgumentException("a template needs at least two pieces");
            }
            final int n = pieces.length;
            this.pieces = new byte[n][];
            this.lengths = new int[n];
            this.firstWords = new long[n];
            this.middleWords = new long[n];
            this.lastWords = new long[n];
            for (int k = 0; k < n; k++) {
                final byte[] piece = pieces[k].getBytes(StandardCharsets.US_ASCII);
                if (!pieces[k].endsWith("\"") && k < n - 1 || k > 0 && !pieces[k].startsWith("\"")
                        || piece.length > MAX_PIECE_BYTES) {
                    throw new IllegalArgumentException("piece " + k + " does not delimit a string: " + pieces[k]);
                }
                this.pieces[k] = piece;
                this.lengths[k] = piece.length;
                if (piece.length >= Long.BYTES) {
                    firstWords[k] = Swar.readLong(piece, 0);
                    middleWords[k] = piece.length > 2 * Long.BYTES ? Swar.readLong(piece, Long.BYTES) : 0;
                    lastWords[k] = Swar.readLong(piece, piece.length - Long.BYTES);
                }
            }
        }

        int values() {
            return pieces.length - 1;
        }

        /** True if piece {@code k} lies at {@code bytes[p, ...)} before {@code limit}. */
        boolean pieceAt(final int k, final byte[] bytes, final int p, final int limit) {
            final int length = lengths[k];
            if (length > limit - p) {
                return false;
            }
            if (length < Long.BYTES) {
                final byte[] piece = pieces[k];
                for (int i = 0; i < length; i++) {
                    if (bytes[p + i] != piece[i]) {
                        return false;
                    }
                }
                return true;
            }
            return Swar.readLong(bytes, p) == firstWords[k]
                    && Swar.readLong(bytes, p + length - Long.BYTES) == lastWords[k]
                    && (length <= 2 * Long.BYTES || Swar.readLong(bytes, p + Long.BYTES) == middleWords[k]);
        }

        int pieceLength(final int k) {
            return lengths[k];
        }
    }

    /**
     * Fast path for one exact object shape (see {@link StringTemplate}): the template's bytes, in order, with no
     * whitespace, around string values with no escapes and no control bytes. On a match the whole object is
     * consumed and value {@code k}'s raw content is {@code starts[k]..ends[k]}; otherwise nothing is consumed and
     * the caller takes a more general path. Whatever matches here is also what {@link #compactStringObject} accepts,
     * with the same keys and values.
     */
    boolean stringTemplate(final StringTemplate template, final int[] starts, final int[] ends) {
        final byte[] bytes = b;
        final int limit = end;
        int p = pos;
        if (!template.pieceAt(0, bytes, p, limit)) {
            return false;
        }
        p += template.pieceLength(0);
        final int n = template.values();
        for (int k = 0; k < n; k++) {
            final int close = endOfPlainString(bytes, p, limit);
            if (close < 0 || !template.pieceAt(k + 1, bytes, close, limit)) {
                return false;
            }
            starts[k] = p;
            ends[k] = close;
            p = close + template.pieceLength(k + 1);
        }
        pos = p;
        strEscaped = false;
        return true;
    }

    /**
     * The closing quote of a string whose content starts at {@code start}, or -1 if it has an escape or control byte
     * (or no closing quote before {@code limit}). Eight bytes at a time: the first quote, backslash or control byte
     * decides.
     */
    static int endOfPlainString(final byte[] bytes, final int start, final int limit) {
        int p = start;
        if (p + 2 * Long.BYTES <= limit) {
            // Most values (sides, prices, sizes) end within 16 bytes, some in the first eight and some in the next:
            // both words at once and no branch on which, as that varies unpredictably from one value to the next.
            final long special0 = special(Swar.readLong(bytes, p));
            final long special1 = special(Swar.readLong(bytes, p + Long.BYTES));
            if ((special0 | special1) != 0) {
                final int at = p + (Swar.firstBit(special0, special1) >>> 3);
                final byte c = bytes[at];
                if (c != ' ' && c != '!') {
                    return c == '"' ? at : -1;
                }
                return endOfPlainStringByteByByte(bytes, at + 1, limit);
            }
            p += 2 * Long.BYTES;
        }
        for (; p + Long.BYTES <= limit; p += Long.BYTES) {
            final long special = special(Swar.readLong(bytes, p));
            if (special != 0) {
                final int at = p + Swar.firstByte(special);
                final byte c = bytes[at];
                if (c != ' ' && c != '!') {
                    return c == '"' ? at : -1;
                }
                return endOfPlainStringByteByByte(bytes, at + 1, limit);
            }
        }
        return endOfPlainStringByteByByte(bytes, p, limit);
    }

    /** {@link #endOfPlainString} one byte at a time: for the last bytes, and after a space or '!' in a value. */
    private static int endOfPlainStringByteByByte(final byte[] bytes, final int start, final int limit) {
        for (int p = start; p < limit; p++) {
            final byte c = bytes[p];
            if (c == '"') {
                return p;
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Flags the quotes, backslashes and control bytes of an eight-byte word (see {@link Swar}), and also spaces and
     * {@code '!'}: one "below 0x23" test is cheaper than a quote test and a control test, and callers look at the
     * flagged byte anyway.
     */
    private static long special(final long word) {
        return Swar.below(word, BELOW_QUOTE_PLUS_ONE) | Swar.equalTo(word, BACKSLASHES);
    }

    /** Reads a string value; its raw content is then at {@link #strStart}..{@link #strEnd}. */
    void readString() {
        if (peek() != '"') {
            throw error("expected a string");
        }
        final byte[] bytes = b;
        final int limit = end;
        int p = pos + 1;
        final int s = p;
        boolean escaped = false;
        while (true) {
            // Ordinary bytes eight at a time, up to the next quote, backslash or control byte.
            for (; p + Long.BYTES <= limit; p += Long.BYTES) {
                final long special = special(Swar.readLong(bytes, p));
                if (special != 0) {
                    p += Swar.firstByte(special);
                    break;
                }
            }
            if (p >= limit) {
                pos = p;
                throw error("unterminated string");
            }
            final byte c = bytes[p];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                escaped = true;
                p = validateEscape(p + 1);
                continue;
            }
            if (c >= 0 && c < 0x20) {
                pos = p;
                throw error("control character in string");
            }
            p++;
        }
        strStart = s;
        strEnd = p;
        strEscaped = escaped;
        cmpBytes = bytes;
        cmpStart = s;
        cmpEnd = p;
        pos = p + 1;
    }

    private int validateEscape(final int p) {
        if (p >= end) {
            pos = p;
            throw error("unterminated escape");
        }
        switch (b[p]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return p + 1;
            case 'u':
                if (p + 5 > end) {
                    pos = p;
                    throw error("short \\u escape");
                }
                for (int i = p + 1; i < p + 5; i++) {
                    if (hex(b[i]) < 0) {
                        pos = i;
                        throw error("bad \\u escape");
                    }
                }
                return p + 5;
            default:
                pos = p;
                throw error("bad escape");
        }
    }

    private static int hex(final byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * Reads an integer number (no fraction or exponent) that fits a long.
     *
     * @throws SyntaxError if the value is not a number at all
     * @return the value; {@link Long#MIN_VALUE} if it is a valid JSON number but not an integer that fits
     */
    long readLong() {
        final byte c0 = peek();
        if (c0 != '-' && (c0 < '0' || c0 > '9')) {
            throw error("expected a number");
        }
        final int s = pos;
        skipNumber();
        final boolean negative = b[s] == '-';
        long v = 0;
        for (int i = negative ? s + 1 : s; i < pos; i++) {
            final byte c = b[i];
            if (c < '0' || c > '9' || v > (Long.MAX_VALUE - (c - '0')) / 10) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    private void skipNumber() {
        final byte[] bytes = b;
        int p = pos;
        if (p < end && bytes[p] == '-') {
            p++;
        }
        if (p >= end) {
            pos = p;
            throw error("bad number");
        }
        if (bytes[p] == '0') {
            p++;
        } else if (bytes[p] >= '1' && bytes[p] <= '9') {
            while (p < end && bytes[p] >= '0' && bytes[p] <= '9') {
                p++;
            }
        } else {
            pos = p;
            throw error("bad number");
        }
        if (p < end && bytes[p] == '.') {
            p++;
            final int digits = p;
            while (p < end && bytes[p] >= '0' && bytes[p] <= '9') {
                p++;
            }
            if (p == digits) {
                pos = p;
                throw error("bad number fraction");
            }
        }
        if (p < end && (bytes[p] == 'e' || bytes[p] == 'E')) {
            p++;
            if (p < end && (bytes[p] == '+' || bytes[p] == '-')) {
                p++;
            }
            final int digits = p;
            while (p < end && bytes[p] >= '0' && bytes[p] <= '9') {
                p++;
            }
            if (p == digits) {
                pos = p;
                throw error("bad number exponent");
            }
        }
        pos = p;
    }

    /** Skips one value of any type, validating it. */
    void skipValue() {
        final byte c = peek();
        switch (c) {
            case '"':
                readString();
                return;
            case '{':
                enterObject();
                while (nextField()) {
                    skipValue();
                }
                return;
            case '[':
                enterArray();
                while (nextElement()) {
                    skipValue();
                }
                return;
            case 't':
                literal(TRUE);
                return;
            case 'f':
                literal(FALSE);
                return;
            case 'n':
                literal(NULL);
                return;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    skipNumber();
                    return;
                }
                throw error(c == 0 ? "unexpected end of input" : "unexpected character");
        }
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private void literal(final byte[] word) {
        if (pos + word.length > end) {
            throw error("bad literal");
        }
        for (int i = 0; i < word.length; i++) {
            if (b[pos + i] != word[i]) {
                throw error("bad literal");
            }
        }
        pos += word.length;
    }

    /** Skips the rest of the current array (after some elements were read). */
    void skipRestOfArray() {
        while (nextElement()) {
            skipValue();
        }
    }

    /**
     * Appends the decoded content of the last string read to {@code out}, as UTF-16. Allocates only for non-ASCII
     * content. Off the hot path (times, error texts).
     */
    void appendStringTo(final StringBuilder out) {
        final byte[] bytes = b;
        boolean ascii = !strEscaped;
        if (ascii) {
            for (int i = strStart; i < strEnd; i++) {
                if (bytes[i] < 0) {
                    ascii = false;
                    break;
                }
            }
        }
        if (ascii) {
            // One bulk append: per-char appends cost a capacity check each (this runs once per message).
            final int n = strEnd - strStart;
            if (chars.length < n) {
                chars = new char[Math.max(n, 2 * chars.length)];
            }
            final char[] c = chars;
            for (int i = 0; i < n; i++) {
                c[i] = (char) bytes[strStart + i];
            }
            out.append(c, 0, n);
        } else {
            out.append(stringValue());
        }
    }

    /** The decoded content of the last string read (or field name). Allocates; off the hot path. */
    String stringValue() {
        if (!strEscaped) {
            return new String(cmpBytes, cmpStart, cmpEnd - cmpStart, StandardCharsets.UTF_8);
        }
        final byte[] unescaped = unescape();
        return new String(unescaped, 0, unescaped.length, StandardCharsets.UTF_8);
    }

    /** The last string's content with escapes resolved, UTF-8 encoded. Allocates; rare path only. */
    byte[] unescape() {
        final StringBuilder sb = new StringBuilder(strEnd - strStart);
        int i = strStart;
        final int stop = strEnd;
        final byte[] bytes = b;
        int runStart = i;
        while (i < stop) {
            if (bytes[i] != '\\') {
                i++;
                continue;
            }
            sb.append(new String(bytes, runStart, i - runStart, StandardCharsets.UTF_8));
            final byte e = bytes[i + 1];
            switch (e) {
                case 'b':
                    sb.append('\b');
                    break;
                case 'f':
                    sb.append('\f');
                    break;
                case 'n':
                    sb.append('\n');
                    break;
                case 'r':
                    sb.append('\r');
                    break;
                case 't':
                    sb.append('\t');
                    break;
                case 'u':
                    sb.append((char) ((hex(bytes[i + 2]) << 12) | (hex(bytes[i + 3]) << 8)
                            | (hex(bytes[i + 4]) << 4) | hex(bytes[i + 5])));
                    i += 4;
                    break;
                default:
                    sb.append((char) e);
                    break;
            }
            i += 2;
            runStart = i;
        }
        sb.append(new String(bytes, runStart, stop - runStart, StandardCharsets.UTF_8));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "JsonReader[pos=" + (pos - start) + " depth=" + depth + "]";
    }
}
