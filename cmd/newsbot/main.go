// Command newsbot is a Discord bot that reads news feeds, summarizes every
// article and delivers the summaries to channels and direct messages.
//
// Run "newsbot -h" for its subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	// Time zones of digests and subscriptions work on hosts without a
	// zoneinfo database (minimal containers).
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
		fmt.Fprintln(os.Stderr, "newsbot:", err)
	}
	os.Exit(exitCode(err))
}

// env is what a subcommand gets from the process: its streams and its
// environment. Tests fill it with buffers.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// errUsage marks a command line that could not be understood; usage has
// already been printed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		return 1
	}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "run the bot; with no Discord token, in console mode", runBot},
		{"summarize", "print the key sentences of an article (FILE, URL or -)", runSummarize},
		{"extract", "print the main text of a web page (FILE or URL)", runExtract},
		{"feeds", "import or export feeds as OPML", runFeeds},
		{"poll", "poll due feeds once and print what was stored", runPoll},
		{"search", "search stored articles", runSearch},
		{"eval", "score the summarizer beside LEAD-3 (ROUGE)", runEval},
		{"version", "print the version", runVersion},
	}
}

// run is the composition root: it parses the command line and runs one
// subcommand until it ends or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "newsbot: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return errUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "newsbot: news summaries for Discord\n\nUsage:\n  newsbot <command> [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun \"newsbot <command> -h\" for a command's flags.\n")
}

// newFlags makes a subcommand's flag set: errors and -h go to stderr with
// the usage line and the flags.
func newFlags(e *env, name, usageLine, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: %s\n\n%s\n", usageLine, about)
		var flags strings.Builder
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
		if flags.Len() > 0 {
			fmt.Fprintf(e.stderr, "\nFlags:\n%s", flags.String())
		}
	}
	return fs
}

// parseFlags parses args; a bad flag is errUsage, -h is flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return err
	default:
		return fmt.Errorf("%s: %w", fs.Name(), errUsage)
	}
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "newsbot version", "Print the version of newsbot and of Go it was built with.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, version())
	return nil
}

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "newsbot (unknown version)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return fmt.Sprintf("newsbot %s %s", v, info.GoVersion)
}
