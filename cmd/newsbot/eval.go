package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"newsbot/summarize"
	"newsbot/summarize/rouge"
)

const evalUsage = `usage: newsbot eval -data FILE.jsonl [-n 3]

Scores the summarizer against reference summaries with ROUGE-1, ROUGE-2
and ROUGE-L F1 (rouge-score conventions: lower case, [a-z0-9]+ tokens,
Porter stems of tokens longer than three letters, ROUGE-L over the whole
text), beside LEAD-n, the first n sentences of each text. Every line of
FILE is a JSON object {"id", "title", "text", "summary"}, where summary is
a string or an array of sentences.

`

func runEval(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, evalUsage)
		fs.PrintDefaults()
	}
	data := fs.String("data", "", "JSON Lines `file` of articles with reference summaries")
	n := fs.Int("n", summarize.DefaultSentences, "`number` of sentences per summary")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("eval: %w: %w", err, errUsage)
	}
	if *data == "" || *n < 1 || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("eval: -data is required and -n must be positive: %w", errUsage)
	}
	f, err := os.Open(*data)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	res, err := evaluate(ctx, f, *n)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", *data, err)
	}
	return res.write(e.stdout, *n)
}

// evalRecord is one line of an evaluation file.
type evalRecord struct {
	ID      json.RawMessage `json:"id"`
	Title   string          `json:"title"`
	Text    string          `json:"text"`
	Summary json.RawMessage `json:"summary"`
}

// reference returns the reference summary as text, one sentence a line.
func (r *evalRecord) reference() (string, error) {
	if len(r.Summary) == 0 || string(r.Summary) == "null" {
		return "", errors.New("no summary")
	}
	if r.Summary[0] == '[' {
		var lines []string
		if err := json.Unmarshal(r.Summary, &lines); err != nil {
			return "", fmt.Errorf("summary: %w", err)
		}
		return strings.Join(lines, "\n"), nil
	}
	var s string
	if err := json.Unmarshal(r.Summary, &s); err != nil {
		return "", fmt.Errorf("summary: %w", err)
	}
	return s, nil
}

// systemScore sums the measures of one system over the articles.
type systemScore struct {
	r1, r2, rl, words float64
}

func (s *systemScore) add(sc rouge.Scores, sentences []string) {
	s.r1 += sc.R1.F1
	s.r2 += sc.R2.F1
	s.rl += sc.RL.F1
	for _, t := range sentences {
		s.words += float64(len(strings.Fields(t)))
	}
}

type evalResult struct {
	articles      int
	newsbot, lead systemScore
}

// evaluate scores the summarizer and LEAD-n on every record of r.
func evaluate(ctx context.Context, r io.Reader, n int) (*evalResult, error) {
	var (
		res    evalResult
		scorer rouge.Scorer
		s      = summarize.New()
		lineNo int
	)
	br := bufio.NewReaderSize(r, 1<<16)
	var scratch []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		line, tooLong, err := readLine(br, &scratch)
		if len(line) == 0 && !tooLong && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
		}
		lineNo++
		if tooLong {
			return nil, fmt.Errorf("line %d: longer than %d bytes", lineNo, maxLineBytes)
		}
		if strings.TrimSpace(string(line)) == "" {
			if err == io.EOF {
				break
			}
			continue
		}
		var rec evalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		ref, err2 := rec.reference()
		if err2 != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err2)
		}
		sum := s.Text(rec.Text, summarize.Options{Sentences: n, Title: rec.Title})
		res.newsbot.add(scorer.Score(ref, strings.Join(sum, "\n")), sum)
		lead := summarize.Split(rec.Text)
		lead = lead[:min(n, len(lead))]
		res.lead.add(scorer.Score(ref, strings.Join(lead, "\n")), lead)
		res.articles++
		if err == io.EOF {
			break
		}
	}
	if res.articles == 0 {
		return nil, errors.New("no articles")
	}
	return &res, nil
}

// write prints the table of results.
func (r *evalResult) write(w io.Writer, n int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "system\tR1\tR2\tRL\tavg words\t\n")
	k := float64(r.articles)
	for _, row := range []struct {
		name string
		s    systemScore
	}{
		{"newsbot", r.newsbot},
		{fmt.Sprintf("LEAD-%d", n), r.lead},
	} {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.1f\t\n", row.name, 100*row.s.r1/k, 100*row.s.r2/k, 100*row.s.rl/k, row.s.words/k)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d articles, %d sentences per summary; ROUGE F1 x 100, averaged over articles\n", r.articles, n)
	return err
}
