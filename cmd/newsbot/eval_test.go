package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"newsbot/summarize"
	"newsbot/summarize/rouge"
)

// bbcFixture returns the records of the summarizer's test data that carry
// a reference summary, as JSON lines.
func bbcFixture(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../summarize/testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"summary"`) {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) < 3 {
		t.Fatalf("found %d articles with summaries, want at least 3", len(lines))
	}
	return lines
}

func writeLines(t *testing.T, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// parseTable reads the rows of eval's table: system -> R1, R2, RL, words.
func parseTable(t *testing.T, out string) map[string][4]float64 {
	t.Helper()
	rows := map[string][4]float64{}
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[0] == "system" {
			continue
		}
		var v [4]float64
		for i := range v {
			x, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
			v[i] = x
		}
		rows[f[0]] = v
	}
	return rows
}

func TestEval(t *testing.T) {
	lines := bbcFixture(t)
	e, out, errb := testEnv(nil)
	if err := runEval(context.Background(), e, []string{"-data", writeLines(t, lines), "-n", "3"}); err != nil {
		t.Fatalf("runEval: %v (stderr %q)", err, errb)
	}
	if !strings.HasPrefix(strings.TrimLeft(out.String(), " "), "system") || !strings.Contains(out.String(), "avg words") {
		t.Errorf("eval printed %q, want a table with a header", out)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d articles, 3 sentences", len(lines))) {
		t.Errorf("eval printed %q, want the article count", out)
	}
	rows := parseTable(t, out.String())
	if len(rows) != 2 {
		t.Fatalf("eval printed rows %v, want newsbot and LEAD-3", rows)
	}

	// Recompute both systems here and compare.
	var sc rouge.Scorer
	var want [2][4]float64
	for _, line := range lines {
		var rec struct{ Title, Text, Summary string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		lead := summarize.Split(rec.Text)[:3]
		ours := summarize.Options{Sentences: 3, Title: rec.Title}.Text(rec.Text)
		for i, sum := range [][]string{ours, lead} {
			s := sc.Score(rec.Summary, strings.Join(sum, "\n"))
			want[i][0] += 100 * s.R1.F1
			want[i][1] += 100 * s.R2.F1
			want[i][2] += 100 * s.RL.F1
			want[i][3] += float64(len(strings.Fields(strings.Join(sum, " "))))
		}
	}
	for i, name := range []string{"newsbot", "LEAD-3"} {
		got := rows[name]
		for k := range got {
			w := want[i][k] / float64(len(lines))
			if d := got[k] - w; d > 0.006 || d < -0.006 {
				t.Errorf("%s column %d = %.2f, want %.2f", name, k, got[k], w)
			}
		}
	}
}

func TestEvalSummaryAsArray(t *testing.T) {
	var lines []string
	for _, line := range bbcFixture(t)[:2] {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		rec["summary"] = strings.Split(rec["summary"].(string), "\n")
		b, _ := json.Marshal(rec)
		lines = append(lines, string(b))
	}
	asArray, _, _ := testEnv(nil)
	if err := runEval(context.Background(), asArray, []string{"-data", writeLines(t, lines), "-n", "2"}); err != nil {
		t.Fatal(err)
	}
	asText, _, _ := testEnv(nil)
	if err := runEval(context.Background(), asText, []string{"-data", writeLines(t, bbcFixture(t)[:2]), "-n", "2"}); err != nil {
		t.Fatal(err)
	}
	a, b := asArray.stdout.(fmt.Stringer).String(), asText.stdout.(fmt.Stringer).String()
	if a != b {
		t.Errorf("eval with summary arrays printed\n%s\nwant as with strings\n%s", a, b)
	}
	if !strings.Contains(a, "LEAD-2") {
		t.Errorf("eval -n 2 printed %q, want a LEAD-2 row", a)
	}
}

func TestEvalErrors(t *testing.T) {
	good := bbcFixture(t)[0]
	tests := []struct {
		name      string
		args      func(t *testing.T) []string
		wantUsage bool
		wantText  string
	}{
		{"no data", func(*testing.T) []string { return nil }, true, "-data is required"},
		{"bad flag", func(*testing.T) []string { return []string{"-bogus"} }, true, "not defined"},
		{"missing file", func(t *testing.T) []string { return []string{"-data", filepath.Join(t.TempDir(), "x.jsonl")} }, false, "no such file"},
		{"bad line named", func(t *testing.T) []string {
			return []string{"-data", writeLines(t, []string{good, "{oops"})}
		}, false, "line 2"},
		{"record without summary", func(t *testing.T) []string {
			return []string{"-data", writeLines(t, []string{`{"id":"x","text":"Some text."}`})}
		}, false, "line 1: no summary"},
		{"empty file", func(t *testing.T) []string { return []string{"-data", writeLines(t, []string{""})} }, false, "no articles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := testEnv(nil)
			err := runEval(context.Background(), e, tt.args(t))
			if err == nil {
				t.Fatal("runEval = nil, want an error")
			}
			if errors.Is(err, errUsage) != tt.wantUsage || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("runEval = %v (usage %v), want %q with usage %v", err, errors.Is(err, errUsage), tt.wantText, tt.wantUsage)
			}
		})
	}
}

func TestEvalHelp(t *testing.T) {
	e, _, errb := testEnv(nil)
	if err := runEval(context.Background(), e, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("runEval(-h) = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(errb.String(), "usage: newsbot eval -data FILE.jsonl") {
		t.Errorf("eval -h printed %q, want the usage", errb)
	}
}
