package bot

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"newsbot"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustSchedule(t *testing.T, spec, zone string) Schedule {
	t.Helper()
	s, err := ParseSchedule(spec, zone)
	if err != nil {
		t.Fatalf("ParseSchedule(%q, %q): %v", spec, zone, err)
	}
	return s
}

// runsBetween lists the runs of s in (from, to], following Next.
func runsBetween(t *testing.T, s Schedule, from, to time.Time) []time.Time {
	t.Helper()
	var out []time.Time
	for at := s.Next(from); !at.IsZero() && !at.After(to); at = s.Next(at) {
		if len(out) > 0 && !at.After(out[len(out)-1]) {
			t.Fatalf("%q: Next(%v) = %v, not after it", s, out[len(out)-1], at)
		}
		out = append(out, at)
		if len(out) > 10_000 {
			t.Fatalf("%q: runaway schedule", s)
		}
	}
	return out
}

func TestParseScheduleRefuses(t *testing.T) {
	tests := []struct {
		name, spec, zone string
		want             []string // parts of the message that help
	}{
		{"empty", "  ", "UTC", []string{"empty", `"0 8 * * *"`}},
		{"four fields", "0 8 * *", "UTC", []string{"4 fields", "five fields", `"0 8 * * *"`}},
		{"six fields", "0 0 8 * * *", "UTC", []string{"6 fields", "five fields"}},
		{"minute not a number", "x 8 * * *", "UTC", []string{`minute field "x"`, "takes 0-59", `"0 8 * * *"`}},
		{"hour out of range", "0 25 * * *", "UTC", []string{`hour field "25"`, "above maximum (23)", "0-23"}},
		{"day of month out of range", "0 8 32 * *", "UTC", []string{`day-of-month field "32"`, "1-31"}},
		{"month out of range", "0 8 * 13 *", "UTC", []string{`month field "13"`, "jan-dec"}},
		{"day of week out of range", "0 8 * * 8", "UTC", []string{`day-of-week field "8"`, "sun-sat"}},
		{"unknown month name", "0 8 * foo *", "UTC", []string{`month field "foo"`}},
		{"february 30th", "0 0 30 2 *", "UTC", []string{"never fires"}},
		{"april 31st", "0 0 31 4 *", "UTC", []string{"never fires"}},
		{"every minute", "* * * * *", "UTC", []string{"every minute", "every 15 minutes"}},
		{"every ninety seconds", "@every 90s", "UTC", []string{"every 1m30s", "every 15 minutes"}},
		{"every five minutes", "*/5 * * * *", "UTC", []string{"every 5 minutes", "every 15 minutes"}},
		{"ten minutes across the hour", "0,50 * * * *", "UTC", []string{"every 10 minutes"}},
		{"ten minutes across midnight", "0,50 0,23 * * *", "UTC", []string{"every 10 minutes"}},
		{"two runs close together", "0,5 8 * * *", "UTC", []string{"every 5 minutes"}},
		{"every five minutes as a duration", "@every 5m", "UTC", []string{"every 5 minutes", "every 15 minutes"}},
		{"every with a bad duration", "@every soon", "UTC", []string{"@every", "30m"}},
		{"unknown shortcut", "@reboot", "UTC", []string{"not a known shortcut", "@daily"}},
		{"cron tz prefix", "CRON_TZ=Europe/Berlin 0 8 * * *", "UTC", []string{"time zone", "timezone option"}},
		{"tz prefix", "TZ=UTC 0 8 * * *", "UTC", []string{"timezone option"}},
		{"unknown zone", "0 8 * * *", "Berlin", []string{`unknown time zone "Berlin"`, "Europe/Berlin"}},
		{"server-local zone", "0 8 * * *", "Local", []string{"unknown time zone", "Europe/Berlin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec, tt.zone)
			if err == nil {
				t.Fatalf("ParseSchedule(%q, %q) = %q, want an error", tt.spec, tt.zone, s)
			}
			if !errors.Is(err, newsbot.ErrInvalid) {
				t.Errorf("ParseSchedule(%q, %q) error %q does not wrap ErrInvalid", tt.spec, tt.zone, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseSchedule(%q, %q) error = %q, want it to say %q", tt.spec, tt.zone, err, w)
				}
			}
		})
	}
}

func TestParseScheduleAccepts(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	// A Wednesday, 10:17:33 in Berlin.
	from := time.Date(2026, 6, 17, 10, 17, 33, 0, berlin)
	tests := []struct {
		name, spec, str string
		want            time.Time
	}{
		{"five fields", "0 8 * * *", "0 8 * * *", time.Date(2026, 6, 18, 8, 0, 0, 0, berlin)},
		{"spaces folded", "  0  18 *  * 5 ", "0 18 * * 5", time.Date(2026, 6, 19, 18, 0, 0, 0, berlin)},
		{"names", "30 7 * jun-aug mon-fri", "30 7 * jun-aug mon-fri", time.Date(2026, 6, 18, 7, 30, 0, 0, berlin)},
		{"every fifteen minutes", "*/15 * * * *", "*/15 * * * *", time.Date(2026, 6, 17, 10, 30, 0, 0, berlin)},
		{"runs on monday only across midnight", "0,50 0,23 * * 1", "0,50 0,23 * * 1", time.Date(2026, 6, 22, 0, 0, 0, 0, berlin)},
		{"hourly", "@hourly", "@hourly", time.Date(2026, 6, 17, 11, 0, 0, 0, berlin)},
		{"daily", "@daily", "@daily", time.Date(2026, 6, 18, 0, 0, 0, 0, berlin)},
		{"midnight", "@midnight", "@midnight", time.Date(2026, 6, 18, 0, 0, 0, 0, berlin)},
		{"weekly is sunday midnight", "@weekly", "@weekly", time.Date(2026, 6, 21, 0, 0, 0, 0, berlin)},
		{"monthly", "@monthly", "@monthly", time.Date(2026, 7, 1, 0, 0, 0, 0, berlin)},
		{"yearly", "@yearly", "@yearly", time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)},
		{"annually", "@annually", "@annually", time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)},
		{"descriptor in capitals", "@DAILY", "@daily", time.Date(2026, 6, 18, 0, 0, 0, 0, berlin)},
		{"every six hours", "@every 6h", "@every 6h", time.Date(2026, 6, 17, 16, 17, 33, 0, berlin)},
		{"every fifteen minutes as a duration", "@every 15m", "@every 15m", time.Date(2026, 6, 17, 10, 32, 33, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, "Europe/Berlin")
			if got := s.String(); got != tt.str {
				t.Errorf("ParseSchedule(%q).String() = %q, want %q", tt.spec, got, tt.str)
			}
			if got := s.Location().String(); got != "Europe/Berlin" {
				t.Errorf("ParseSchedule(%q).Location() = %q, want Europe/Berlin", tt.spec, got)
			}
			if got := s.Next(from); !got.Equal(tt.want) {
				t.Errorf("ParseSchedule(%q).Next(%v) = %v, want %v", tt.spec, from, got, tt.want)
			}
		})
	}
}

func TestScheduleEmptyZoneIsUTC(t *testing.T) {
	s := mustSchedule(t, "0 8 * * *", "")
	if s.Location() != time.UTC {
		t.Errorf("Location() = %v, want UTC", s.Location())
	}
	from := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	if got, want := s.Next(from), time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next(%v) = %v, want %v", from, got, want)
	}
}

func TestZeroScheduleNeverRuns(t *testing.T) {
	var s Schedule
	if got := s.Next(time.Now()); !got.IsZero() {
		t.Errorf("Schedule{}.Next = %v, want the zero time", got)
	}
	if s.Location() != time.UTC {
		t.Errorf("Schedule{}.Location() = %v, want UTC", s.Location())
	}
}

// TestDailyAcrossDST runs daily jobs over the days around each clock
// change and wants exactly one run a day, at the expected instants.
func TestDailyAcrossDST(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name, zone, spec string
		from             time.Time // local midnight of the first day
		days             int
		want             []time.Time
	}{
		{
			// 02:00 EST jumps to 03:00 EDT on 2026-03-08.
			name: "new york spring forward skips 02:30", zone: "America/New_York", spec: "30 2 * * *",
			from: utc(2026, 3, 7, 5, 0), days: 3,
			want: []time.Time{utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)},
		},
		{
			// 02:00 EDT falls back to 01:00 EST on 2026-11-01.
			name: "new york fall back repeats 01:30", zone: "America/New_York", spec: "30 1 * * *",
			from: utc(2026, 10, 31, 4, 0), days: 3,
			want: []time.Time{utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)},
		},
		{
			// 01:00 GMT jumps to 02:00 BST on 2026-03-29.
			name: "london spring forward skips 01:30", zone: "Europe/London", spec: "30 1 * * *",
			from: utc(2026, 3, 28, 0, 0), days: 3,
			want: []time.Time{utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)},
		},
		{
			// 02:00 BST falls back to 01:00 GMT on 2026-10-25.
			name: "london fall back repeats 01:30", zone: "Europe/London", spec: "30 1 * * *",
			from: utc(2026, 10, 23, 23, 0), days: 3,
			want: []time.Time{utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)},
		},
		{
			name: "new york job outside the change is untouched", zone: "America/New_York", spec: "0 8 * * *",
			from: utc(2026, 3, 7, 5, 0), days: 3,
			want: []time.Time{utc(2026, 3, 7, 13, 0), utc(2026, 3, 8, 12, 0), utc(2026, 3, 9, 12, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			s := mustSchedule(t, tt.spec, tt.zone)
			// The day before `from` ends in the first day's midnight.
			got := runsBetween(t, s, tt.from.Add(-time.Nanosecond), tt.from.In(loc).AddDate(0, 0, tt.days).Add(-time.Nanosecond))
			if len(got) != len(tt.want) {
				t.Fatalf("%q in %s: runs %v, want %v", tt.spec, tt.zone, got, tt.want)
			}
			perDay := map[string]int{}
			for i, at := range got {
				if !at.Equal(tt.want[i]) {
					t.Errorf("%q in %s: run %d at %v (%v), want %v", tt.spec, tt.zone, i, at.UTC(), at, tt.want[i])
				}
				perDay[at.In(loc).Format(time.DateOnly)]++
			}
			for day, n := range perDay {
				if n != 1 {
					t.Errorf("%q in %s: %d runs on %s, want 1", tt.spec, tt.zone, n, day)
				}
			}
		})
	}
}

// TestFrequentJobsNeverRepeatAWallTime runs frequent jobs through each
// clock change: no wall time runs twice, runs are at least 15 minutes
// apart, and none is lost but the wall times the clock skipped.
func TestFrequentJobsNeverRepeatAWallTime(t *testing.T) {
	days := []struct {
		zone string
		day  time.Time // a local date of a change
	}{
		{"America/New_York", time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"Europe/London", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)},
		{"Europe/London", time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)},
	}
	tests := []struct {
		spec    string
		perHour int
	}{
		{"0 * * * *", 1},
		{"@hourly", 1},
		{"*/15 * * * *", 4},
		{"@every 1h", 1},
		{"@every 15m", 4},
	}
	for _, d := range days {
		loc := mustZone(t, d.zone)
		y, m, dd := d.day.Date()
		start := time.Date(y, m, dd, 0, 0, 0, 0, loc)
		end := start.AddDate(0, 0, 1)
		// Walls on the day: 23, 24 or 25 hours of them, less the
		// skipped hour or the repeated one.
		hours := int(end.Sub(start) / time.Hour)
		wallHours := 24
		if hours == 23 {
			wallHours = 23
		}
		for _, tt := range tests {
			t.Run(tt.spec+" "+d.zone+" "+d.day.Format(time.DateOnly), func(t *testing.T) {
				s := mustSchedule(t, tt.spec, d.zone)
				got := runsBetween(t, s, start.Add(-time.Nanosecond), end.Add(-time.Nanosecond))
				walls := map[string]bool{}
				for i, at := range got {
					w := at.In(loc).Format("15:04:05")
					if walls[w] {
						t.Errorf("%q: wall time %s runs twice (%v)", tt.spec, w, got)
					}
					walls[w] = true
					if i > 0 && at.Sub(got[i-1]) < MinScheduleInterval {
						t.Errorf("%q: runs at %v and %v are less than 15 minutes apart", tt.spec, got[i-1], at)
					}
				}
				if want := wallHours * tt.perHour; len(got) != want {
					t.Errorf("%q: %d runs on a %d-hour day, want %d: %v", tt.spec, len(got), hours, want, got)
				}
			})
		}
	}
}

func TestNextAfterRestart(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	tests := []struct {
		name, spec string
		after      time.Time
		want       time.Time
	}{
		{
			"just after the gap the shifted run is still due", "30 2 * * *",
			time.Date(2026, 3, 8, 3, 0, 0, 0, ny), time.Date(2026, 3, 8, 3, 30, 0, 0, ny),
		},
		{
			"in the repeated hour the first run counts", "30 1 * * *",
			time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC), // 01:10 EST, the second 01:10
			time.Date(2026, 11, 2, 1, 30, 0, 0, ny),
		},
		{
			"in the repeated hour hourly waits for the next new wall time", "0 * * * *",
			time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC), // 01:10 EST
			time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC),  // 02:00 EST
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, "America/New_York")
			if got := s.Next(tt.after); !got.Equal(tt.want) {
				t.Errorf("%q: Next(%v) = %v, want %v", tt.spec, tt.after, got, tt.want)
			}
		})
	}
}

// TestCatchUp: after a long downtime Next(now) is the one next run, not
// the runs missed; and Next is consistent: asked again from any instant
// before its answer it gives the same answer, so nothing between is
// skipped.
func TestCatchUp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, zone := range []string{"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"} {
		for _, spec := range []string{"0 8 * * *", "30 2 * * *", "30 1 * * *", "*/15 * * * *", "0 9 * * 1-5", "@weekly"} {
			s := mustSchedule(t, spec, zone)
			lastRun := time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
			for range 200 {
				now := lastRun.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
				next := s.Next(now)
				if !next.After(now) {
					t.Fatalf("%q in %s: Next(%v) = %v, not after it", spec, zone, now, next)
				}
				if next.Sub(now) > 8*24*time.Hour {
					t.Errorf("%q in %s: Next(%v) = %v, more than a week ahead", spec, zone, now, next)
				}
				between := now.Add(time.Duration(r.Int64N(int64(next.Sub(now)))))
				if got := s.Next(between); !got.Equal(next) {
					t.Errorf("%q in %s: Next(%v) = %v but Next(%v) = %v", spec, zone, now, next, between, got)
				}
				if got := s.Next(next.Add(-time.Nanosecond)); !got.Equal(next) {
					t.Errorf("%q in %s: Next(%v) = %v, want %v", spec, zone, next.Add(-time.Nanosecond), got, next)
				}
			}
		}
	}
}

func TestMonthAndYearEnds(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	date := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	tests := []struct {
		name, spec string
		after      time.Time
		want       []time.Time
	}{
		{"31st skips short months", "0 6 31 * *", date(2026, 1, 31, 6, 0),
			[]time.Time{date(2026, 3, 31, 6, 0), date(2026, 5, 31, 6, 0), date(2026, 7, 31, 6, 0), date(2026, 8, 31, 6, 0)}},
		{"monthly after the 31st", "@monthly", date(2026, 1, 31, 12, 0),
			[]time.Time{date(2026, 2, 1, 0, 0), date(2026, 3, 1, 0, 0)}},
		{"new year", "0 0 1 1 *", date(2026, 12, 31, 23, 59),
			[]time.Time{date(2027, 1, 1, 0, 0), date(2028, 1, 1, 0, 0)}},
		{"last minute of the year", "59 23 31 12 *", date(2026, 12, 31, 23, 58),
			[]time.Time{date(2026, 12, 31, 23, 59), date(2027, 12, 31, 23, 59)}},
		{"daily across the year end", "30 23 * * *", date(2026, 12, 31, 0, 0),
			[]time.Time{date(2026, 12, 31, 23, 30), date(2027, 1, 1, 23, 30)}},
		{"leap day", "0 12 29 2 *", date(2026, 3, 1, 0, 0),
			[]time.Time{date(2028, 2, 29, 12, 0), date(2032, 2, 29, 12, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, "Europe/Berlin")
			at := tt.after
			for i, want := range tt.want {
				at = s.Next(at)
				if !at.Equal(want) {
					t.Fatalf("%q: run %d after %v = %v, want %v", tt.spec, i+1, tt.after, at, want)
				}
			}
		})
	}
}

func TestDailyAt(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	s, err := DailyAt("02:30", "America/New_York")
	if err != nil {
		t.Fatalf("DailyAt: %v", err)
	}
	if s.String() != "30 2 * * *" {
		t.Errorf("DailyAt(02:30).String() = %q, want %q", s, "30 2 * * *")
	}
	from := time.Date(2026, 3, 7, 12, 0, 0, 0, ny)
	want := []time.Time{time.Date(2026, 3, 8, 3, 30, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)}
	if got := runsBetween(t, s, from, want[1]); len(got) != 2 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Errorf("DailyAt(02:30) runs after %v = %v, want %v", from, got, want)
	}
	if s, err := DailyAt(" 8:05 ", "Europe/Berlin"); err != nil || s.String() != "5 8 * * *" {
		t.Errorf("DailyAt(8:05) = %q, %v; want %q", s, err, "5 8 * * *")
	}
	for _, bad := range []struct{ hhmm, zone, want string }{
		{"25:00", "UTC", "HH:MM"},
		{"8.30", "UTC", "HH:MM"},
		{"", "UTC", "HH:MM"},
		{"noon", "UTC", "08:00"},
		{"08:00", "Mars/Olympus", "Europe/Berlin"},
	} {
		_, err := DailyAt(bad.hhmm, bad.zone)
		if err == nil || !errors.Is(err, newsbot.ErrInvalid) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("DailyAt(%q, %q) error = %v, want an ErrInvalid saying %q", bad.hhmm, bad.zone, err, bad.want)
		}
	}
}

func BenchmarkScheduleNext(b *testing.B) {
	s, err := ParseSchedule("*/15 * * * *", "America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		at = s.Next(at)
	}
}
