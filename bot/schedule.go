package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"newsbot"
)

// A Schedule says when a digest or a daily subscription DM runs: a cron
// expression read on the wall clock of a time zone.
//
// robfig/cron evaluates a schedule on real instants in the zone, so on
// the day clocks spring forward it skips a 02:30 run (02:30 does not
// exist) and on the day they fall back it runs a 01:30 job twice (01:30
// happens twice). A Schedule evaluates the cron on a floating wall clock
// instead and maps each wall time back into the zone: a wall time that
// does not exist runs when the clock would have shown it had it not
// jumped (02:30 becomes 03:30), and one that happens twice runs the first
// time only. So a daily job runs once a day, and no wall time runs twice.
type Schedule struct {
	spec  string
	loc   *time.Location
	sched cron.Schedule // on the floating wall clock, in UTC
}

// MinScheduleInterval is the shortest interval a schedule may have.
const MinScheduleInterval = 15 * time.Minute

// cronExample is the example every parse error ends with.
const cronExample = `five fields, minute hour day-of-month month day-of-week, e.g. "0 8 * * *" for 08:00 every day or "0 18 * * 5" for Fridays at 18:00, or a shortcut: @daily, @weekly, @monthly, @every 6h`

// lookBehind is how far before a wall time Next starts looking: more
// than any jump of a zone's clock, so a run whose wall time fell in a gap
// just before `after` is still found.
const lookBehind = 3 * time.Hour

// standardParser reads five fields or a descriptor, as cron(8) does.
var standardParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronFields names the five fields, with their ranges, for errors.
var cronFields = [5]struct{ name, values string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day-of-month", "1-31"},
	{"month", "1-12 or jan-dec"},
	{"day-of-week", "0-6 or sun-sat"},
}

// ParseSchedule reads a cron expression, in robfig/cron's standard
// syntax (five fields, or @daily, @hourly, @weekly, @monthly, @yearly,
// @annually, @midnight, @every 6h), in an IANA time zone such as
// Europe/Berlin; an empty zone is UTC. @every counts its duration on the
// zone's wall clock, from the time Next is given.
//
// It refuses, with a sentence for the user wrapping newsbot.ErrInvalid,
// a cron that does not parse, that never fires, or that fires more often
// than every 15 minutes, an unknown zone, and a CRON_TZ= or TZ= prefix
// (the zone is an option of its own).
func ParseSchedule(spec, timezone string) (Schedule, error) {
	spec = strings.Join(strings.Fields(spec), " ")
	if spec == "" {
		return Schedule{}, invalidSchedule("the schedule is empty: give %s", cronExample)
	}
	upper := strings.ToUpper(spec)
	if strings.HasPrefix(upper, "CRON_TZ=") || strings.HasPrefix(upper, "TZ=") {
		return Schedule{}, invalidSchedule("the schedule %q names a time zone: give the cron alone and the zone as the timezone option", spec)
	}
	loc, err := loadZone(timezone)
	if err != nil {
		return Schedule{}, err
	}
	if strings.HasPrefix(spec, "@") {
		spec = strings.ToLower(spec)
	}
	parsed, err := standardParser.Parse(spec)
	if err != nil {
		return Schedule{}, cronError(spec, err)
	}
	s := Schedule{spec: spec, loc: loc}
	switch p := parsed.(type) {
	case *cron.SpecSchedule:
		floating := *p
		floating.Location = time.UTC
		if floating.Next(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
			return Schedule{}, invalidSchedule("the schedule %q never fires: no date matches it", spec)
		}
		if gap := minGap(&floating); gap < MinScheduleInterval {
			return Schedule{}, invalidSchedule("the schedule %q fires as often as every %s; the most often allowed is every %d minutes", spec, everyText(gap), MinScheduleInterval/time.Minute)
		}
		s.sched = &floating
	case cron.ConstantDelaySchedule:
		if p.Delay < MinScheduleInterval {
			return Schedule{}, invalidSchedule("the schedule %q fires every %s; the most often allowed is every %d minutes", spec, everyText(p.Delay), MinScheduleInterval/time.Minute)
		}
		s.sched = p
	default:
		return Schedule{}, fmt.Errorf("schedule %q: unexpected cron schedule %T", spec, parsed)
	}
	return s, nil
}

// DailyAt is the schedule of a daily subscription DM: every day at hhmm
// ("HH:MM", 24-hour clock) in the IANA time zone (empty is UTC), with the
// daylight-saving guarantees of every Schedule.
func DailyAt(hhmm, timezone string) (Schedule, error) {
	hhmm = strings.TrimSpace(hhmm)
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return Schedule{}, newsbot.Invalid(fmt.Errorf("%q is not a time of day: give HH:MM on a 24-hour clock, e.g. 08:00 or 18:30", hhmm))
	}
	return ParseSchedule(fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour()), timezone)
}

// Next returns the first run strictly after after, in the schedule's
// zone; the zero time when there is none (a zero Schedule). Called with
// the current time after a long downtime, it returns the next run to
// come, not the ones missed.
func (s Schedule) Next(after time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	w := wallClock(after, s.loc)
	if _, ok := s.sched.(*cron.SpecSchedule); ok {
		// A run whose wall time was in a gap runs after the gap, when
		// the wall clock is already past it.
		w = w.Add(-lookBehind)
	}
	// Wall times map into the zone in order, except that those in a gap
	// land after the gap, among later ones: take the earliest instant
	// among the wall times up to lookBehind past the first that maps
	// after `after`.
	var best, limit time.Time
	for range 10_000 {
		w = s.sched.Next(w)
		if w.IsZero() || (!limit.IsZero() && w.After(limit)) {
			break
		}
		t := s.resolve(w)
		if !t.After(after) {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
		if limit.IsZero() {
			limit = w.Add(lookBehind)
		}
	}
	return best
}

// String returns the cron expression as parsed (descriptors in lower
// case, white space folded); a DailyAt schedule reads "30 8 * * *".
func (s Schedule) String() string { return s.spec }

// Location returns the time zone the schedule is read in.
func (s Schedule) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// resolve maps a wall time (its fields in UTC) to the instant the zone's
// clock shows it: the first of two when the clock falls back over it, and
// when the clock springs forward over it, the instant it would have
// shown it with the offset from before the jump (02:30 in a gap from 02:00
// to 03:00 is 03:30).
func (s Schedule) resolve(w time.Time) time.Time {
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	t := time.Date(y, mo, d, h, mi, sec, w.Nanosecond(), s.loc)
	var best time.Time
	for _, probe := range [...]time.Time{t.Add(-lookBehind), t, t.Add(lookBehind)} {
		_, off := probe.Zone()
		c := w.Add(-time.Duration(off) * time.Second)
		if wallClock(c, s.loc).Equal(w) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if best.IsZero() {
		_, off := t.Add(-lookBehind).Zone()
		best = w.Add(-time.Duration(off) * time.Second)
	}
	return best.In(s.loc)
}

// wallClock returns the wall time t shows in loc, as the same fields in UTC.
func wallClock(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// loadZone loads an IANA zone; empty is UTC. "Local" is refused: it
// would be whatever zone the server runs in.
func loadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, newsbot.Invalid(fmt.Errorf("unknown time zone %q: give an IANA name such as Europe/Berlin, America/New_York or UTC", name))
	}
	return loc, nil
}

// cronError explains why robfig/cron refused spec, naming the field.
func cronError(spec string, err error) error {
	if strings.HasPrefix(spec, "@every") {
		return invalidSchedule("the schedule %q does not parse: give @every and a duration such as 30m, 6h or 24h (%w)", spec, err)
	}
	if strings.HasPrefix(spec, "@") {
		return invalidSchedule("the schedule %q is not a known shortcut: use @hourly, @daily (or @midnight), @weekly, @monthly, @yearly (or @annually) or @every 6h, or five fields such as \"0 8 * * *\" for 08:00 every day", spec)
	}
	fields := strings.Fields(spec)
	if len(fields) != len(cronFields) {
		return invalidSchedule("the schedule %q has %d fields: give %s", spec, len(fields), cronExample)
	}
	// Parse each field alone to name the one at fault.
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, ferr := standardParser.Parse(strings.Join(probe, " ")); ferr != nil {
			return invalidSchedule("the schedule %q does not parse: the %s field %q is not valid (%w), it takes %s. Give %s",
				spec, cronFields[i].name, f, ferr, cronFields[i].values, cronExample)
		}
	}
	return invalidSchedule("the schedule %q does not parse (%w): give %s", spec, err, cronExample)
}

func invalidSchedule(format string, args ...any) error {
	return newsbot.Invalid(fmt.Errorf(format, args...))
}

// minGap returns the shortest time between two runs of s, which has a
// single second: between minutes of an hour, across consecutive hours of
// a day, and across midnight when two consecutive days can both run.
func minGap(s *cron.SpecSchedule) time.Duration {
	mins := setBits(s.Minute, 0, 59)
	hours := setBits(s.Hour, 0, 23)
	gap := 24 * time.Hour
	for i := 1; i < len(mins); i++ {
		gap = min(gap, time.Duration(mins[i]-mins[i-1])*time.Minute)
	}
	across := time.Duration(60-mins[len(mins)-1]+mins[0]) * time.Minute
	for i := 1; i < len(hours); i++ {
		if hours[i] == hours[i-1]+1 {
			gap = min(gap, across)
		}
	}
	if across < gap && hours[0] == 0 && hours[len(hours)-1] == 23 && consecutiveDays(s) {
		gap = across
	}
	return gap
}

// setBits lists the bits set in b between lo and hi.
func setBits(b uint64, lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		if b&(1<<uint(i)) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// consecutiveDays reports whether s can run on two days in a row. The
// weekday, month and leap-year pattern of dates repeats every 28 years
// between 1901 and 2099, so 28 years of days tell.
func consecutiveDays(s *cron.SpecSchedule) bool {
	d := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := false
	for range 28*366 + 1 {
		runs := runsOn(s, d)
		if runs && prev {
			return true
		}
		prev = runs
		d = d.AddDate(0, 0, 1)
	}
	return false
}

// runsOn reports whether s has runs on the date of d, as robfig/cron
// matches days: day of month and day of week must both match when either
// is *, and either may match otherwise.
func runsOn(s *cron.SpecSchedule, d time.Time) bool {
	const star = 1 << 63
	if s.Month&(1<<uint(d.Month())) == 0 {
		return false
	}
	dom := s.Dom&(1<<uint(d.Day())) != 0
	dow := s.Dow&(1<<uint(d.Weekday())) != 0
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

// everyText says an interval shorter than an hour in words.
func everyText(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
