package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
	"unsafe"

	"newsbot/summarize"
)

const summarizeUsage = `usage: newsbot summarize [-n 3] [-title T] [-lang xx] [-words 90] [-config FILE] [FILE|URL|-]
       newsbot summarize -jsonl [-n 3] [FILE|-]

Prints the key sentences of an article, one per line. The article is read
from FILE, from the web page at URL (fetched through the guarded client and
its article extracted), or from standard input when FILE is "-" or missing.

With -jsonl, every input line is a JSON object {"id", "title", "text"} and
every output line is {"id", "summary": [sentences]}, in the same order. A
line that cannot be read is reported on standard error with its number,
and the others go on.

`

// maxLineBytes bounds one JSON Lines record; a longer line is reported and
// skipped rather than held in memory.
const maxLineBytes = 64 << 20

func runSummarize(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, summarizeUsage)
		fs.PrintDefaults()
	}
	n := fs.Int("n", summarize.DefaultSentences, "`number` of sentences")
	jsonl := fs.Bool("jsonl", false, "read {\"id\",\"title\",\"text\"} lines and write {\"id\",\"summary\"} lines")
	title := fs.String("title", "", "the article's headline, when known")
	lang := fs.String("lang", "", "language `code` (en, de, fr, …); guessed when empty")
	words := fs.Int("words", summarize.DefaultMaxWords, "word `budget` of the whole summary")
	configPath := fs.String("config", "", "YAML configuration `file`, for fetching a URL")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("summarize: %w: %w", err, errUsage)
	}
	if *n < 1 || *words < 1 || fs.NArg() > 1 {
		fs.Usage()
		return fmt.Errorf("summarize: -n and -words must be positive, and at most one input named: %w", errUsage)
	}
	arg := fs.Arg(0)
	opts := summarize.Options{Sentences: *n, MaxWords: *words, Title: *title, Language: *lang}
	if isURL(arg) && !*jsonl {
		// A web page: fetched through the guarded client, its article
		// extracted, as /summarize does.
		cfg, _, err := setup(e, *configPath)
		if err != nil {
			return err
		}
		x, err := extractFrom(ctx, cfg, arg)
		if err != nil {
			return fmt.Errorf("summarize: %w", err)
		}
		opts.Title = cmp.Or(opts.Title, x.Title)
		opts.Language = cmp.Or(opts.Language, x.Language)
		return printLines(e.stdout, summaryLines(opts, x.Text))
	}
	if *jsonl {
		in, closeIn, err := openInput(e, arg)
		if err != nil {
			return err
		}
		defer closeIn()
		return summarizeJSONL(ctx, in, e.stdout, e.stderr, opts)
	}
	text, err := readInput(e, arg)
	if err != nil {
		return err
	}
	return printLines(e.stdout, summaryLines(opts, text))
}

// printLines prints the sentences one per line.
func printLines(w io.Writer, lines []string) error {
	var b strings.Builder
	for _, line := range lines {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// openInput opens the file named by arg, or standard input for "" and
// "-".
func openInput(e *env, arg string) (io.Reader, func(), error) {
	if arg == "" || arg == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, fmt.Errorf("summarize: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// readInput returns the whole text named by arg.
func readInput(e *env, arg string) (string, error) {
	in, closeIn, err := openInput(e, arg)
	if err != nil {
		return "", err
	}
	defer closeIn()
	b, err := io.ReadAll(in)
	if err != nil {
		return "", fmt.Errorf("summarize: read %s: %w", inputName(arg), err)
	}
	return string(b), nil
}

func inputName(arg string) string {
	if arg == "" || arg == "-" {
		return "standard input"
	}
	return arg
}

// summaryLines turns an article into the lines that summarize prints:
// its key sentences, one per line.
func summaryLines(o summarize.Options, text string) []string {
	return o.Text(text)
}

// summarizeJSONL summarizes every JSON line of r onto w. Output is
// flushed whenever the input has nothing more buffered, so a pipe sees
// each summary as soon as its article is read. Lines that cannot be read
// are reported on stderr by number; the error returned then counts them.
func summarizeJSONL(ctx context.Context, r io.Reader, w, stderr io.Writer, o summarize.Options) error {
	br := bufio.NewReaderSize(r, 1<<16)
	bw := bufio.NewWriterSize(w, 1<<16)
	s := summarize.New()
	// A stream of articles: make room at once for the words of a few
	// thousand of them.
	s.Grow(1 << 15)
	var (
		rec     article
		out     []byte
		lineNo  int
		failed  int
		scratch []byte
	)
	for {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return fmt.Errorf("summarize: %w", err)
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("summarize: write: %w", err)
			}
		}
		line, tooLong, err := readLine(br, &scratch)
		if len(line) == 0 && !tooLong && err != nil {
			if err == io.EOF {
				break
			}
			bw.Flush()
			return fmt.Errorf("summarize: read line %d: %w", lineNo+1, err)
		}
		lineNo++
		if tooLong {
			failed++
			fmt.Fprintf(stderr, "summarize: line %d: longer than %d bytes, skipped\n", lineNo, maxLineBytes)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := rec.parse(line); err != nil {
			failed++
			fmt.Fprintf(stderr, "summarize: line %d: %v\n", lineNo, err)
			continue
		}
		o.Title = rec.title
		out = appendSummaryJSON(out[:0], rec.id, s.Text(rec.text, o))
		if _, err := bw.Write(out); err != nil {
			return fmt.Errorf("summarize: write: %w", err)
		}
		if err == io.EOF {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("summarize: write: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("summarize: %d of %d lines could not be read", failed, lineNo)
	}
	return nil
}

// readLine returns the next line of br without its line break. A line
// longer than maxLineBytes is consumed and reported with tooLong. The
// returned slice is valid until the next call.
func readLine(br *bufio.Reader, scratch *[]byte) (line []byte, tooLong bool, err error) {
	frag, err := br.ReadSlice('\n')
	if err == nil || err == io.EOF {
		return trimEOL(frag), false, err
	}
	if err != bufio.ErrBufferFull {
		return nil, false, err
	}
	buf := append((*scratch)[:0], frag...)
	for {
		frag, err = br.ReadSlice('\n')
		if len(buf)+len(frag) > maxLineBytes {
			tooLong = true
			buf = buf[:0]
		}
		if !tooLong {
			buf = append(buf, frag...)
		}
		if err != bufio.ErrBufferFull {
			break
		}
	}
	*scratch = buf
	if err != nil && err != io.EOF {
		return nil, tooLong, err
	}
	if tooLong {
		return nil, true, err
	}
	return trimEOL(buf), false, err
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// article is one input record of summarize -jsonl. Its fields point into
// the line it was parsed from and into buf: they hold only until that
// line is read over or the next parse, which is all summarize -jsonl
// needs, and it saves copying every article.
type article struct {
	id    []byte // the raw JSON value, echoed as it came; null when absent
	title string
	text  string
	buf   []byte // the decoded strings that held escapes
}

// parse reads a JSON object into a. Most records take a fast path that
// reads only the three fields; anything it does not handle exactly as
// encoding/json would (escapes aside, which it decodes) falls back to
// encoding/json, whose error is then the one reported.
func (a *article) parse(line []byte) error {
	if a.parseFast(line) {
		return nil
	}
	var rec struct {
		ID    json.RawMessage `json:"id"`
		Title string          `json:"title"`
		Text  string          `json:"text"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("invalid JSON at byte %d: %w", syn.Offset, err)
		}
		return fmt.Errorf("invalid record: %w", err)
	}
	a.id = rec.ID
	a.title, a.text = rec.Title, rec.Text
	return nil
}

// parseFast reads {"id": any, "title": string, "text": string, …} and
// reports whether it could.
func (a *article) parseFast(b []byte) bool {
	a.id, a.title, a.text = nil, "", ""
	a.buf = a.buf[:0]
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		kEnd := i + 1
		for kEnd < len(b) && b[kEnd] != '"' && b[kEnd] != '\\' && b[kEnd] >= 0x20 {
			kEnd++
		}
		if kEnd >= len(b) || b[kEnd] != '"' {
			return false // an escaped or broken key: let encoding/json decide
		}
		key := b[i+1 : kEnd]
		i = skipWS(b, kEnd+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		var (
			vEnd int
			ok   bool
		)
		switch string(key) {
		case "id":
			if vEnd, ok = skipValue(b, i, 0); !ok {
				return false
			}
			a.id = b[i:vEnd]
		case "title", "text":
			// Strings are checked and decoded in one pass, the longest
			// part of every record.
			var s string
			switch {
			case i < len(b) && b[i] == '"':
				if s, vEnd, ok = a.decodeString(b, i); !ok {
					return false
				}
			case bytes.HasPrefix(b[i:], []byte("null")):
				vEnd = i + 4
			default:
				return false
			}
			if key[1] == 'i' {
				a.title = s
			} else {
				a.text = s
			}
		default:
			if vEnd, ok = skipValue(b, i, 0); !ok {
				return false
			}
			// encoding/json matches keys without regard to case.
			if bytes.EqualFold(key, []byte("id")) || bytes.EqualFold(key, []byte("title")) || bytes.EqualFold(key, []byte("text")) {
				return false
			}
		}
		i = skipWS(b, vEnd)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return skipWS(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value at b[i:] and whether it is
// well formed.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > 64 {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		// Bytes beyond ASCII are not checked in a value that is skipped:
		// encoding/json would replace invalid UTF-8, not reject it.
		sc := stringScan{b: b, q: -1, e: -1}
		for j := i + 1; ; {
			k := sc.next(j)
			if k < 0 || !noControl(b[j:k]) {
				return len(b), false
			}
			if b[k] == '"' {
				return k + 1, true
			}
			n, ok := escapeLen(b, k)
			if !ok {
				return k, false
			}
			j = k + n
		}
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		j := skipWS(b, i+1)
		if j < len(b) && b[j] == closer {
			return j + 1, true
		}
		for {
			if c == '{' {
				k, ok := skipValue(b, j, depth+1)
				if !ok || b[j] != '"' {
					return k, false
				}
				j = skipWS(b, k)
				if j >= len(b) || b[j] != ':' {
					return j, false
				}
				j = skipWS(b, j+1)
			}
			k, ok := skipValue(b, j, depth+1)
			if !ok {
				return k, false
			}
			j = skipWS(b, k)
			if j >= len(b) {
				return j, false
			}
			if b[j] == closer {
				return j + 1, true
			}
			if b[j] != ',' {
				return j, false
			}
			j = skipWS(b, j+1)
		}
	case c == 't':
		return i + 4, bytes.HasPrefix(b[i:], []byte("true"))
	case c == 'f':
		return i + 5, bytes.HasPrefix(b[i:], []byte("false"))
	case c == 'n':
		return i + 4, bytes.HasPrefix(b[i:], []byte("null"))
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	}
	return i, false
}

// strSpecial marks the bytes that end a plain run inside a JSON string:
// those JSON gives a meaning (quote, backslash, control characters) and
// those beyond ASCII, which may need checking or escaping.
var strSpecial = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// plainRun returns the index of the first byte of b at or after j that
// strSpecial marks, or len(b). Text is mostly plain ASCII, so it tests
// eight bytes at a time.
func plainRun(b string, j int) int {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	for j+8 <= len(b) {
		x := load8(b, j)
		// The classic bit tricks: a byte below 0x20, a byte equal to '"'
		// or '\\' (a zero byte after xor), or a byte with its high bit
		// set. Each term is nonzero exactly when such a byte is there.
		q := x ^ ones*'"'
		bs := x ^ ones*'\\'
		if ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs|x)&high != 0 {
			break
		}
		j += 8
	}
	for j < len(b) && !strSpecial[b[j]] {
		j++
	}
	return j
}

// stringScan finds the quotes and backslashes of a JSON string. It
// leaves the scanning to bytes.IndexByte, which takes many bytes at a
// step, and remembers what it found, so that the escapes of a long
// string do not make it scan the same bytes again.
type stringScan struct {
	b    []byte
	q, e int // the next quote and the next backslash before it; -1 when not known
}

// next returns the index of the first quote or backslash at or after j,
// or -1 when there is none.
func (sc *stringScan) next(j int) int {
	if j >= len(sc.b) {
		return -1
	}
	if sc.q < j {
		q := bytes.IndexByte(sc.b[j:], '"')
		if q < 0 {
			return -1
		}
		sc.q, sc.e = j+q, -1
	}
	if sc.e < j {
		sc.e = sc.q // none before the quote
		if e := bytes.IndexByte(sc.b[j:sc.q], '\\'); e >= 0 {
			sc.e = j + e
		}
	}
	return sc.e
}

// noControl reports whether b holds no control character, which JSON
// does not allow raw in a string.
func noControl(b []byte) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		// Nonzero exactly when a byte is below 0x20.
		if x := load8(b, i); (x-ones*0x20)&^x&high != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return false
		}
	}
	return true
}

// plainText reports whether b, a string body without quotes or escapes,
// holds no control character and is valid UTF-8.
func plainText(b []byte) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	for i := 0; i < len(b); {
		// Nonzero exactly when a byte is below 0x20 or beyond ASCII.
		if i+8 <= len(b) {
			if x := load8(b, i); ((x-ones*0x20)|x)&high == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		switch {
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
			i += size
		}
	}
	return true
}

// load8 reads eight bytes of b at j, little-endian; the compiler makes it
// a single load.
func load8[T string | []byte](b T, j int) uint64 {
	b = b[j : j+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// skipNumber checks JSON number syntax: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}

// decodeString decodes the JSON string literal that opens b[i:] and
// returns it with the index just past its closing quote. A string
// without escapes is a view of b; one with escapes is decoded into a.buf.
// It declines invalid UTF-8, which encoding/json would replace, raw
// control characters, and escapes it cannot decode exactly.
func (a *article) decodeString(b []byte, i int) (s string, end int, ok bool) {
	out := a.buf
	mark := len(out)
	escaped := false
	sc := stringScan{b: b, q: -1, e: -1}
	for j := i + 1; ; {
		k := sc.next(j)
		if k < 0 || !plainText(b[j:k]) {
			return "", len(b), false
		}
		if b[k] == '"' {
			if !escaped {
				return view(b[i+1 : k]), k + 1, true
			}
			out = append(out, b[j:k]...)
			a.buf = out
			return view(out[mark:]), k + 1, true
		}
		out = append(out, b[j:k]...)
		escaped = true
		var n int
		if out, n, ok = appendEscape(out, b, k); !ok {
			return "", k, false
		}
		j = k + n
	}
}

// view returns the bytes of b as a string without copying them; b must
// not change while the string is in use.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendEscape appends what the escape at b[j] (a backslash) stands for
// and returns how many bytes it took. It declines a lone surrogate,
// which encoding/json would replace.
func appendEscape(out, b []byte, j int) ([]byte, int, bool) {
	if j+1 >= len(b) {
		return out, 0, false
	}
	switch c := b[j+1]; c {
	case '"', '\\', '/':
		return append(out, c), 2, true
	case 'b':
		return append(out, '\b'), 2, true
	case 'f':
		return append(out, '\f'), 2, true
	case 'n':
		return append(out, '\n'), 2, true
	case 'r':
		return append(out, '\r'), 2, true
	case 't':
		return append(out, '\t'), 2, true
	case 'u':
		r, ok := hex4(b, j+2)
		if !ok {
			return out, 0, false
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			// A surrogate pair.
			if j+7 >= len(b) || b[j+6] != '\\' || b[j+7] != 'u' {
				return out, 0, false
			}
			lo, ok := hex4(b, j+8)
			if !ok || lo < 0xDC00 || lo >= 0xE000 {
				return out, 0, false
			}
			r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
			return utf8.AppendRune(out, r), 12, true
		case r >= 0xDC00 && r < 0xE000:
			return out, 0, false
		}
		return utf8.AppendRune(out, r), 6, true
	}
	return out, 0, false
}

// escapeLen returns the length of the escape at b[j] (a backslash) and
// whether JSON allows it.
func escapeLen(b []byte, j int) (int, bool) {
	if j+1 >= len(b) {
		return 0, false
	}
	switch b[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		_, ok := hex4(b, j+2)
		return 6, ok
	}
	return 0, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendSummaryJSON appends {"id":…,"summary":[…]} and a line break.
func appendSummaryJSON(b, id []byte, sentences []string) []byte {
	b = append(b, `{"id":`...)
	if len(id) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, id...)
	}
	b = append(b, `,"summary":[`...)
	for i, s := range sentences {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, "]}\n"...)
}

// appendJSONString appends s as a JSON string literal. Besides what JSON
// requires it escapes U+2028 and U+2029, which break JavaScript parsers,
// and replaces invalid UTF-8 as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; ; {
		i = plainRun(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
