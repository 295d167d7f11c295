package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"newsbot/summarize"
)

const seedPage = "../../summarize/testdata/news-page.txt"

func testEnv(stdin io.Reader) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return &env{getenv: func(string) string { return "" }, stdin: stdin, stdout: &out, stderr: &errb}, &out, &errb
}

func TestSummarizeFile(t *testing.T) {
	e, out, errb := testEnv(nil)
	if err := runSummarize(context.Background(), e, []string{"-n", "2", seedPage}); err != nil {
		t.Fatalf("runSummarize: %v (stderr %q)", err, errb)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"Ukraine and Russia have completed their three-day exchange of prisoners.",
		"They each swapped 1,000 people in the largest such move yet between the two sides since Russia began to invade Ukraine in 2022.",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("summarize -n 2 news-page.txt printed %q, want %q", lines, want)
	}
}

func TestSummarizeStdin(t *testing.T) {
	text := "The council approved a new budget on Tuesday after months of debate. The budget raises spending on schools. Critics said taxes would rise."
	for _, args := range [][]string{{"-n", "1"}, {"-n", "1", "-"}} {
		e, out, _ := testEnv(strings.NewReader(text))
		if err := runSummarize(context.Background(), e, args); err != nil {
			t.Fatalf("runSummarize(%q): %v", args, err)
		}
		if got, want := out.String(), "The council approved a new budget on Tuesday after months of debate.\n"; got != want {
			t.Errorf("summarize %q printed %q, want %q", args, got, want)
		}
	}
}

func TestSummarizeArguments(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantText  string
	}{
		{"private address refused", []string{"http://127.0.0.1:9/story"}, false, "refused: 127.0.0.1 is a loopback address"},
		{"unknown flag", []string{"-x"}, true, "flag provided but not defined: -x"},
		{"zero sentences", []string{"-n", "0", seedPage}, true, "must be positive"},
		{"two inputs", []string{seedPage, seedPage}, true, "at most one input"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nothing.txt")}, false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out, _ := testEnv(nil)
			err := runSummarize(context.Background(), e, tt.args)
			if err == nil {
				t.Fatalf("runSummarize(%q) = nil, want an error", tt.args)
			}
			if errors.Is(err, errUsage) != tt.wantUsage {
				t.Errorf("runSummarize(%q) = %v, usage error %v, want %v", tt.args, err, errors.Is(err, errUsage), tt.wantUsage)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("runSummarize(%q) = %q, want it to say %q", tt.args, err, tt.wantText)
			}
			if out.Len() != 0 {
				t.Errorf("runSummarize(%q) printed %q, want nothing", tt.args, out)
			}
		})
	}
}

func TestSummarizeHelp(t *testing.T) {
	e, _, errb := testEnv(nil)
	err := runSummarize(context.Background(), e, []string{"-h"})
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("runSummarize(-h) = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"usage: newsbot summarize", "-jsonl", "-n number"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("summarize -h printed %q, want it to hold %q", errb, want)
		}
	}
}

// lineFeeder serves one input line per Read and checks, before serving
// line k, that the summaries of the lines before it were already written:
// that is what streaming means to a process reading the pipe.
type lineFeeder struct {
	t     *testing.T
	lines []string
	good  []bool // whether line i gives a summary
	out   *bytes.Buffer
	next  int
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	if f.next >= len(f.lines) {
		return 0, io.EOF
	}
	want := 0
	for _, g := range f.good[:f.next] {
		if g {
			want++
		}
	}
	if written := strings.Count(f.out.String(), "\n"); written != want {
		f.t.Errorf("before line %d was read %d summaries were written, want %d", f.next+1, written, want)
	}
	n := copy(p, f.lines[f.next])
	f.next++
	return n, nil
}

func TestSummarizeJSONL(t *testing.T) {
	lines := []string{
		`{"id":"a","title":"Storm","text":"A storm hit the coast on Monday. Crews worked all night to clear roads. Schools were closed."}` + "\n",
		`{"id":2,"text":"Second article here, a short one.  It has only two sentences.","extra":{"nested":[1,2,{"x":null}]}}` + "\n",
		`{"id":"broken","text":` + "\n",
		"\n",
		`{"id":"esc\"aped","text":"Line one\u2019s text is here.\nLine two \u00e9t\u00e9 here and there. Caf\u00e9 \ud83d\ude00 ok."}` + "\n",
		`not json at all` + "\n",
		`{"ID":"upper","Text":"Keys in another case still count."}`,
	}
	var out bytes.Buffer
	var errb bytes.Buffer
	feeder := &lineFeeder{t: t, lines: lines, good: []bool{true, true, false, false, true, false, true}, out: &out}
	e := &env{getenv: func(string) string { return "" }, stdin: feeder, stdout: &out, stderr: &errb}
	err := runSummarize(context.Background(), e, []string{"-jsonl", "-n", "2"})
	if err == nil || !strings.Contains(err.Error(), "2 of 7 lines") {
		t.Errorf("runSummarize(-jsonl) = %v, want an error counting 2 bad lines of 7", err)
	}
	for _, want := range []string{"line 3:", "line 6:"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr = %q, want it to name %q", errb.String(), want)
		}
	}
	if strings.Contains(errb.String(), "line 4:") {
		t.Errorf("stderr = %q, want no error for the blank line 4", errb.String())
	}
	type result struct {
		ID      any      `json:"id"`
		Summary []string `json:"summary"`
	}
	var got []result
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		got = append(got, r)
	}
	want := []result{
		{"a", []string{"A storm hit the coast on Monday.", "Crews worked all night to clear roads."}},
		{float64(2), []string{"Second article here, a short one.", "It has only two sentences."}},
		{`esc"aped`, []string{"Line one’s text is here.", "Line two été here and there."}},
		{"upper", []string{"Keys in another case still count."}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summarize -jsonl wrote %v, want %v", got, want)
	}
}

func TestSummarizeJSONLFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(`{"id":"x","text":"One sentence only."}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, out, _ := testEnv(nil)
	if err := runSummarize(context.Background(), e, []string{"-jsonl", path}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), `{"id":"x","summary":["One sentence only."]}`+"\n"; got != want {
		t.Errorf("summarize -jsonl %s wrote %q, want %q", path, got, want)
	}
}

func TestSummarizeJSONLCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e, _, _ := testEnv(strings.NewReader(`{"id":1,"text":"Hello there."}` + "\n"))
	if err := runSummarize(ctx, e, []string{"-jsonl"}); !errors.Is(err, context.Canceled) {
		t.Errorf("runSummarize with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestParseArticleMatchesEncodingJSON checks the fast reader of records
// against encoding/json on lines it must read the same way.
func TestParseArticleMatchesEncodingJSON(t *testing.T) {
	lines := []string{
		`{"id":"a","title":"T","text":"plain"}`,
		` { "id" : 12.5e3 , "text" : "spaced" } `,
		`{"text":"escapes \" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u2028 \ud83d\ude00"}`,
		`{"id":null,"title":null,"text":null}`,
		`{"id":{"a":[1,true,false,null,"x"]},"text":"nested id"}`,
		`{"other":"skipped","text":"kept","id":"last"}`,
		`{"text":"first","text":"second wins"}`,
		`{"id":-0.5E-2}`,
		`{}`,
		`{"text":"lone surrogate \ud83d here"}`,
		"{\"text\":\"invalid \xff utf-8\"}",
		`{"Title":"case","TEXT":"folded"}`,
		`{"skipped":"escapes \" \\ \u00e9 and \"quotes\"","text":"after a skipped string with escapes"}`,
		"{\"skipped\":\"invalid \xff utf-8 is replaced, not refused\",\"text\":\"kept\"}",
		`{"text":"a long text of plain words, longer than sixteen bytes, with \"quotes\" and a line\nbreak"}`,
	}
	for _, line := range lines {
		t.Run(line, func(t *testing.T) {
			var a article
			if err := a.parse([]byte(line)); err != nil {
				t.Fatalf("parse(%q): %v", line, err)
			}
			var want struct {
				ID    json.RawMessage `json:"id"`
				Title string          `json:"title"`
				Text  string          `json:"text"`
			}
			if err := json.Unmarshal([]byte(line), &want); err != nil {
				t.Fatal(err)
			}
			if a.title != want.Title || a.text != want.Text {
				t.Errorf("parse(%q) = title %q text %q, want %q %q", line, a.title, a.text, want.Title, want.Text)
			}
			if !jsonEqual(a.id, want.ID) {
				t.Errorf("parse(%q) id = %s, want %s", line, a.id, want.ID)
			}
		})
	}
}

func jsonEqual(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(bytes.TrimSpace(a)) == 0 && len(bytes.TrimSpace(b)) == 0 || string(a) == "null" || string(b) == "null"
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

// FuzzParseArticle checks the fast reader of records against
// encoding/json on any line: both accept it or both refuse it, and what
// they read is the same.
func FuzzParseArticle(f *testing.F) {
	for _, seed := range []string{
		`{"id":"a","title":"T","text":"plain"}`,
		`{"id":{"a":[1,true,null]},"skipped":"x\\y\"z\u00e9","text":"esc\"aped \ud83d\ude00 \n"}`,
		`{"skipped":"bad \q","text":"t"}`,
		"{\"text\":\"raw \x01\"}",
		`{"TEXT":"folded","text":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var a article
		err := a.parse(line)
		var want struct {
			ID    json.RawMessage `json:"id"`
			Title string          `json:"title"`
			Text  string          `json:"text"`
		}
		wantErr := json.Unmarshal(line, &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("parse(%q) = %v, encoding/json says %v", line, err, wantErr)
		}
		if err != nil {
			return
		}
		if a.title != want.Title || a.text != want.Text || !jsonEqual(a.id, want.ID) {
			t.Errorf("parse(%q) = %s %q %q, want %s %q %q", line, a.id, a.title, a.text, want.ID, want.Title, want.Text)
		}
	})
}

func TestParseArticleRejects(t *testing.T) {
	for _, line := range []string{
		`{"text":}`, `[1,2]`, `{"text":12}`, `{"id":1} trailing`, `{"text":"unterminated}`, `nul`,
		`{"skipped":"bad \q escape","text":"t"}`, `{"skipped":"short \u12","text":"t"}`, `{"text":"bad \x escape"}`,
		"{\"skipped\":\"raw \x01 control\",\"text\":\"t\"}", "{\"text\":\"raw \t tab\"}", `{"text":"ends in a backslash\`,
	} {
		var a article
		if err := a.parse([]byte(line)); err == nil {
			t.Errorf("parse(%q) = nil, want an error", line)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"plain", `quote " backslash \ `, "ctl \x00\x01\x1f\n\r\t", "line\u2028sep\u2029", "bad \xff utf-8", "é 😀 <>&"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("appendJSONString(%q) = %s, not JSON: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if got != want {
			t.Errorf("appendJSONString(%q) reads back as %q, want %q", s, got, want)
		}
	}
}

// BenchmarkSummarizeJSONL runs summarize -jsonl over the dev set (or the
// test articles), to compare with the summarizer's own benchmark.
func BenchmarkSummarizeJSONL(b *testing.B) {
	path := os.Getenv("NEWSBOT_DEVSET")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "data", "summaries", "dev.jsonl")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		data, err = os.ReadFile("../../summarize/testdata/articles.jsonl")
		if err != nil {
			b.Fatal(err)
		}
	}
	articles := bytes.Count(data, []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	runs := 0
	for b.Loop() {
		if err := summarizeJSONL(context.Background(), bytes.NewReader(data), io.Discard, io.Discard, summarize.Options{}); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(float64(runs*articles)/b.Elapsed().Seconds(), "articles/s")
}

func TestSummarizeURL(t *testing.T) {
	page, err := os.ReadFile("../../feeds/testdata/pages/daily8-nhk-prisoner-exchange.html")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	e := &env{getenv: processEnv(t, nil), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	if err := runSummarize(context.Background(), e, []string{"-n", "2", srv.URL + "/article"}); err != nil {
		t.Fatalf("summarize URL: %v (stderr %q)", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(out.String(), "prisoner") {
		t.Errorf("summarize URL printed %q, want two sentences of the prisoner-exchange story", out.String())
	}
	if strings.Contains(out.String(), "Related Articles") || strings.Contains(out.String(), "Orange background") {
		t.Errorf("summary holds page chrome: %q", out.String())
	}
}
