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

// article is one input record of summarize -jsonl.
type article struct {
	id    []byte // the raw JSON value, echoed as it came; null when absent
	title string
	text  string
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
		vEnd, ok := skipValue(b, i, 0)
		if !ok {
			return false
		}
		switch string(key) {
		case "id":
			a.id = b[i:vEnd]
		case "title", "text":
			var s string
			if string(b[i:vEnd]) != "null" {
				if b[i] != '"' {
					return false
				}
				if s, ok = decodeString(b[i:vEnd]); !ok {
					return false
				}
			}
			if key[1] == 'i' {
				a.title = s
			} else {
				a.text = s
			}
		default:
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
		for j := i + 1; j < len(b); j++ {
			// Skip plain bytes in a tight loop.
			for j < len(b) && !strSpecial[b[j]] {
				j++
			}
			if j >= len(b) {
				break
			}
			switch b[j] {
			case '"':
				return j + 1, true
			case '\\':
				j++
			default:
				return j, false // a raw control character
			}
		}
		return len(b), false
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

// strSpecial marks the bytes that end a plain run inside a JSON string.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

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

// decodeString decodes a JSON string literal q (with its quotes). It
// declines invalid UTF-8, which encoding/json would replace, and escapes
// it cannot decode exactly.
func decodeString(q []byte) (string, bool) {
	body := q[1 : len(q)-1]
	esc := bytes.IndexByte(body, '\\')
	if esc < 0 {
		if !utf8.Valid(body) {
			return "", false
		}
		return string(body), true
	}
	if !utf8.Valid(body) {
		return "", false
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:esc]...)
	for i := esc; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(body) {
			return "", false
		}
		switch body[i] {
		case '"', '\\', '/':
			out = append(out, body[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(body, i+1)
			if !ok {
				return "", false
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 {
				// A surrogate pair; a lone half is left to encoding/json.
				if i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
					lo, ok := hex4(body, i+3)
					if !ok || lo < 0xDC00 || lo >= 0xE000 {
						return "", false
					}
					r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
					i += 6
				} else {
					return "", false
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				return "", false
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return string(out), true
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
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
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
