package feeds

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

// groupReport is one published report: which event it covers (reports
// with the same event are the same story), who published it, its
// headline and its lead.
type groupReport struct {
	event, source, title, text string
}

// lang tells the reports' languages apart: stories are grouped by shared
// words, so reports in different languages are never the same story.
func (r groupReport) lang() string {
	for _, c := range r.title {
		if unicode.In(c, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			return "ja"
		}
	}
	return "en"
}

// at is when the report was seen: the day of its event.
func (r groupReport) at(i int) time.Time {
	day := map[string]int{
		"swap": 25, "air attack": 25, "rice": 27, "spiderweb": 31 + 1, "istanbul-2": 31 + 2,
		"poland": 31 + 2, "sdr": 31 + 2, "playground": 31 + 8, "wechat": 31 + 9,
	}[r.event]
	return time.Date(2025, 5, day, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Minute)
}

// groupReports are reports of nine events of May and June 2025, written
// the way each publisher writes: several reports of one event in
// different words, and other events on the same topic (the war in
// Ukraine, prisoners, Istanbul talks) that must stay apart.
var groupReports = []groupReport{
	// The prisoner exchange completed on 25 May 2025.
	{"swap", "NHK", "Ukraine, Russia complete largest prisoner exchange since start of invasion",
		`Ukraine and Russia have completed their three-day exchange of prisoners. They each swapped 1,000 people in the largest such move yet between the two sides since Russia began to invade Ukraine in 2022.
Ukraine and Russia announced on Sunday, the last day of the exchange, that they each released 303 service members earlier in the day.
The two countries agreed to the swap during their direct talks in the Turkish city of Istanbul on May 16. That was the first face-to-face meeting between Ukraine and Russia in about three years.`},
	{"swap", "Japan Times", "Russia and Ukraine wrap up biggest POW swap of the war",
		`KYIV – Russia and Ukraine freed 303 more soldiers each on Sunday, completing the biggest exchange of prisoners since Moscow launched its full-scale invasion in 2022, hours after Russian drones and missiles pounded Kyiv.
The three-day swap, in which each side handed over 1,000 prisoners of war and civilians, was agreed at direct talks in Istanbul on May 16, the first between the two countries since the early months of the war.
"We are bringing our people home," Ukrainian President Volodymyr Zelenskyy wrote on Telegram.`},
	{"swap", "Reuters", "Russia and Ukraine complete 1,000-for-1,000 prisoner swap",
		`KYIV/MOSCOW, May 25 (Reuters) - Russia and Ukraine each released 303 soldiers on Sunday in the final stage of the largest prisoner exchange of the war, the only concrete result so far of direct peace talks held in Istanbul this month.
The swap of 1,000 prisoners from each side took place over three days on the border with Belarus. On Friday 390 people were exchanged and on Saturday 307.`},
	{"swap", "BBC", "Ukraine and Russia free hundreds more on final day of major prisoner exchange",
		`Ukraine and Russia have each released another 303 prisoners of war on the final day of the largest exchange since the start of the full-scale invasion.
The three-day swap has seen 1,000 people freed by each side, in a deal struck at talks in Istanbul earlier this month - the first direct negotiations between the two countries since 2022.
President Volodymyr Zelensky said the returning soldiers were "home".`},

	// The largest air attack of the war, the night before (24–25 May).
	{"air attack", "Reuters", "Russia pounds Ukraine with record drone and missile attack, killing 12",
		`KYIV, May 25 (Reuters) - Russia launched the largest aerial attack of the war on Ukraine overnight, firing 367 drones and missiles at cities across the country and killing at least 12 people, including children, Ukrainian officials said on Sunday.
The air force said Russia used 298 drones and 69 missiles of various types in the attack, which hit Kyiv, the northwestern Zhytomyr region and the cities of Kharkiv, Mykolaiv and Ternopil.`},
	{"air attack", "Kyiv Independent", "Three children among 12 killed as Russia launches biggest air assault on Ukraine",
		`Russia launched its largest combined drone and missile attack of the full-scale war overnight on May 25, killing at least 12 people across Ukraine, among them three children in Zhytomyr Oblast, authorities said.
Nearly 300 drones and almost 70 missiles, including ballistic missiles, were fired at Kyiv and other regions, the Air Force reported. "The silence of America, the silence of others around the world only encourages Putin," President Volodymyr Zelensky said.`},

	// Zelenskyy's answer to Trump's "kids in a park" comparison (June).
	{"playground", "NHK", "Zelenskyy responds to Trump's comparison to kids' brawl",
		`Ukrainian President Volodymyr Zelenskyy has said Russian President Vladimir Putin is a murderer and not a child in a park, as described by US President Donald Trump on Thursday. Zelenskyy made comment in an interview with American media outlet ABC News. He was referring to Trump's remarks, in which he compared the conflict between the two countries as two young children fighting in a park.`},
	{"playground", "ABC News", "'We are not kids at the playground': Zelenskyy rejects Trump's comparison of war to a children's fight",
		`Ukrainian President Volodymyr Zelenskyy pushed back against President Donald Trump's description of the war as two young children fighting in a park, calling Russian President Vladimir Putin "a murderer who came to the park to kill kids." Speaking to ABC News' "This Week," Zelenskyy said he could not give a 100-percent guarantee that his relationship with Trump had changed for the better.`},

	// The FSB document on WeChat (June).
	{"wechat", "Japan Times", "Russian intelligence says it collects WeChat data. What does that mean?",
		`Russian counterintelligence agents are analyzing data from the popular Chinese messaging and social media app WeChat to monitor people who might be in contact with Chinese spies, according to a Russian intelligence document. The disclosure highlights the rising level of concern about Chinese influence in Russia as the two countries deepen their relationship.`},
	{"wechat", "The Insider", "FSB mines WeChat data to hunt Chinese spies, leaked document shows",
		`Russia's Federal Security Service is combing through data from the Chinese app WeChat to track people suspected of contacts with Chinese intelligence officers, an internal FSB document shows, a sign of Moscow's wariness of Beijing despite their deepening partnership. The document describes an analytical tool called Skopishche that processes WeChat logins, contact lists and chat archives.`},

	// Ukraine's drone strike on Russian bomber bases (1 June).
	{"spiderweb", "Reuters", "Ukraine drone attack hits Russian bombers deep inside Russia, source says",
		`KYIV, June 1 (Reuters) - Ukraine launched a large-scale drone attack on Sunday that hit more than 40 Russian military aircraft at air bases from Siberia to the Arctic, a Ukrainian security source said, in one of its most ambitious strikes of the war. The operation, code-named "Spider's Web", took more than a year and a half to prepare, the source said.`},
	{"spiderweb", "BBC", "Ukraine's 'Spider Web' drone strike hit 41 Russian bombers, SBU says",
		`Ukraine's security service, the SBU, says it hit 41 Russian warplanes in a huge drone operation targeting air bases deep inside Russia. The drones were smuggled into Russia hidden in wooden cabins on lorries and launched remotely near the Olenya and Belaya bases, the SBU said. Russia's defence ministry confirmed attacks on airfields in five regions.`},

	// The second round of Istanbul talks (2 June): prisoners again, but
	// a new agreement, not the May exchange.
	{"istanbul-2", "Reuters", "Russia and Ukraine agree to swap more prisoners but no ceasefire in Istanbul",
		`ISTANBUL, June 2 (Reuters) - Russia and Ukraine agreed at peace talks in Istanbul on Monday to exchange all severely wounded and young prisoners of war and the bodies of 6,000 killed soldiers, but made no progress towards a ceasefire. Russia's delegation handed over a memorandum setting out its terms for ending the war, which Kyiv has called ultimatums.`},

	// Poland's presidential election (1 June).
	{"poland", "Reuters", "Nationalist Nawrocki wins Polish presidential election",
		`WARSAW, June 2 (Reuters) - Nationalist opposition candidate Karol Nawrocki narrowly won Poland's presidential election, results showed on Monday, dealing a heavy blow to Prime Minister Donald Tusk's pro-European government. Nawrocki, a 42-year-old historian backed by the Law and Justice party, took 50.89% of the vote against 49.11% for Warsaw mayor Rafal Trzaskowski.`},
	{"poland", "Japan Times", "Conservative historian Nawrocki narrowly wins Poland's presidency",
		`WARSAW – Karol Nawrocki, a conservative historian endorsed by the Law and Justice party, won Poland's presidential runoff with 50.89% of the vote, the electoral commission said Monday, narrowly defeating Warsaw Mayor Rafal Trzaskowski, an ally of Prime Minister Donald Tusk. The result is expected to hamper Tusk's reform plans.`},

	// Britain's Strategic Defence Review (2 June).
	{"sdr", "Guardian", "UK to build up to 12 attack submarines under defence review",
		`Britain will build up to 12 new attack submarines and invest £15bn in its nuclear warhead programme, Keir Starmer has said, as the prime minister set out plans to move the armed forces to "war-fighting readiness". The strategic defence review warns that the UK faces a new era of threat, with Russia "pressing Europe" and drone warfare transforming the battlefield.`},

	// Japan releases stockpiled rice (May).
	{"rice", "NHK", "Koizumi to release government rice stockpile through no-bid contracts",
		`Japan's new farm minister Koizumi Shinjiro says the government will sell stockpiled rice directly to retailers through no-bid contracts, aiming to bring prices down to around 2,000 yen for five kilograms. Rice prices have roughly doubled from a year earlier, and earlier auctions of reserve rice failed to lower them.`},
	{"rice", "Japan Times", "Stockpiled rice to hit shelves at ¥2,000 per 5 kilograms, Koizumi says",
		`Farm minister Shinjiro Koizumi said Tuesday that stockpiled rice released by the government will be sold at around ¥2,000 per 5 kilograms, about half the current average price, as the government scraps auctions in favor of no-bid contracts with major retailers to bring down soaring rice prices.`},

	// The same exchange and the same air attack in Japanese.
	{"swap", "NHK 日本語", "ウクライナとロシア 捕虜交換完了 侵攻後最大規模",
		`ウクライナとロシアは25日、3日間にわたって行われた捕虜の交換を終えたと発表しました。双方がそれぞれ1000人を解放し、ロシアによる軍事侵攻が始まって以降、最大規模の交換となりました。交換はトルコのイスタンブールで行われた直接協議で合意されたもので、最終日の25日にはそれぞれ303人の兵士が解放されました。`},
	{"swap", "日本経済新聞", "ロシアとウクライナ、1000人ずつの捕虜交換を完了",
		`ロシアとウクライナは25日、双方の捕虜をそれぞれ303人ずつ交換し、計1000人ずつを解放する大規模な捕虜交換を完了した。イスタンブールでの直接交渉の合意に基づくもので、2022年の侵攻開始以来で最大となる。ゼレンスキー大統領はSNSで「全員を取り戻す」と強調した。`},
	{"air attack", "NHK 日本語", "ロシア軍 ウクライナ各地に大規模攻撃 子ども含む12人死亡",
		`ウクライナ空軍によりますと、ロシア軍は24日夜から25日にかけて、無人機およそ300機とミサイル70発近くを使ってウクライナ各地を攻撃しました。首都キーウや北西部ジトーミル州などで子ども3人を含む少なくとも12人が死亡しました。`},
}

// TestSameStoryPairs measures SameStory on every pair of reports in one
// language: no two reports of different events may be taken for one
// story, and most reports of one event must be.
func TestSameStoryPairs(t *testing.T) {
	var same, found, different, merged int
	for i, a := range groupReports {
		for _, b := range groupReports[i+1:] {
			if a.lang() != b.lang() {
				continue
			}
			sa, sb := Sign(a.title, a.text), Sign(b.title, b.text)
			got := SameStory(sa, sb)
			if got != SameStory(sb, sa) {
				t.Errorf("SameStory is not symmetric for %s/%s and %s/%s", a.event, a.source, b.event, b.source)
			}
			if a.event == b.event {
				same++
				if got {
					found++
				} else {
					t.Logf("missed: %s: %s and %s share %d words, overlap %.2f", a.event, a.source, b.source, sa.Shared(sb), sa.Overlap(sb))
				}
				continue
			}
			different++
			if got {
				merged++
				t.Errorf("SameStory(%s/%s, %s/%s) = true: %d shared words, overlap %.2f",
					a.event, a.source, b.event, b.source, sa.Shared(sb), sa.Overlap(sb))
			}
		}
	}
	recall := float64(found) / float64(same)
	t.Logf("same-story pairs found: %d of %d (recall %.2f); different-event pairs merged: %d of %d", found, same, recall, merged, different)
	if recall < 0.8 {
		t.Errorf("recall %.2f, want at least 0.80", recall)
	}
}

// TestStoryIndexGroupsReports lets the reports arrive in time order, each
// joining the story it matches or starting its own, as the poller does.
func TestStoryIndexGroupsReports(t *testing.T) {
	x := NewStoryIndex()
	stories := make([]int64, len(groupReports))
	next := int64(100)
	for i, r := range groupReports {
		sig, at := Sign(r.title, r.text), r.at(i)
		story, ok := x.Match(sig, at)
		if !ok {
			next++
			story = next
		}
		stories[i] = story
		x.Add(story, sig, at)
	}
	byEvent := map[string][]int64{}
	for i, r := range groupReports {
		byEvent[r.event+"/"+r.lang()] = append(byEvent[r.event+"/"+r.lang()], stories[i])
	}
	// Every report of these events must have joined the first one's story.
	for _, ev := range []string{"swap/en", "air attack/en", "playground/en", "spiderweb/en", "poland/en", "rice/en"} {
		ids := byEvent[ev]
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("%s: stories %v, want one story", ev, ids)
				break
			}
		}
	}
	// No story holds two events.
	owner := map[int64]string{}
	for i, r := range groupReports {
		ev := r.event + "/" + r.lang()
		if o, ok := owner[stories[i]]; ok && o != ev {
			t.Errorf("story %d holds %s and %s (%s)", stories[i], o, ev, r.source)
		}
		owner[stories[i]] = ev
	}
}

func TestStoryIndexWindow(t *testing.T) {
	r := groupReports[0]
	sig := Sign(r.title, r.text)
	other := Sign(groupReports[2].title, groupReports[2].text) // same event, other words
	t0 := time.Date(2025, 5, 25, 10, 0, 0, 0, time.UTC)

	x := NewStoryIndex()
	x.Add(7, sig, t0)
	tests := []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"same time", t0, true},
		{"47 hours later", t0.Add(47 * time.Hour), true},
		{"exactly the window later", t0.Add(StoryWindow), true},
		{"49 hours later", t0.Add(49 * time.Hour), false},
		{"before it was seen", t0.Add(-time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			story, ok := x.Match(other, tt.now)
			if ok != tt.ok || ok && story != 7 {
				t.Errorf("Match at %v = %d, %v; want ok %v (story 7)", tt.now.Sub(t0), story, ok, tt.ok)
			}
		})
	}
	x.Add(8, Sign("Garden show opens", "Tomato seedlings, perennials and rare ferns fill the church hall for the annual plant sale."), t0.Add(49*time.Hour))
	if n := x.Len(); n != 1 {
		t.Errorf("Len after the window passed = %d, want 1 (the old report evicted)", n)
	}
	if _, ok := x.Match(other, t0.Add(time.Hour)); ok {
		t.Errorf("an evicted report still matches")
	}
}

func TestStoryIndexEmpty(t *testing.T) {
	x := NewStoryIndex()
	now := time.Now()
	if _, ok := x.Match(Sign("", ""), now); ok {
		t.Errorf("Match(empty signature) on an empty index = true")
	}
	x.Add(1, Signature{}, now)
	if x.Len() != 0 {
		t.Errorf("Len after adding an empty signature = %d, want 0", x.Len())
	}
	short := Sign("Breaking news", "")
	x.Add(2, short, now)
	if _, ok := x.Match(short, now); ok {
		t.Errorf("a signature of %d words matched itself; fewer than %d words must match nothing", short.Len(), StoryMinShared)
	}
}

// TestStoryIndexAgreesWithSameStory checks Match against a scan of every
// report with SameStory, on reports and on variants of them (a teaser, a
// headline with another publisher's lead, a rewritten lead).
func TestStoryIndexAgreesWithSameStory(t *testing.T) {
	var sigs []Signature
	for i, a := range groupReports {
		b := groupReports[(i+1)%len(groupReports)]
		first, _, _ := strings.Cut(a.text, ". ")
		sigs = append(sigs,
			Sign(a.title, a.text),
			Sign(a.title, first),
			Sign(b.title, a.text),
			Sign(a.title, strings.Join(strings.Fields(a.text)[min(20, len(strings.Fields(a.text))):], " ")),
		)
	}
	t0 := time.Date(2025, 5, 25, 0, 0, 0, 0, time.UTC)
	x := NewStoryIndex()
	for i, s := range sigs {
		x.Add(int64(i+1), s, t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0.Add(time.Duration(len(sigs)) * time.Minute)
	for qi, q := range sigs {
		want, wantOK := int64(0), false
		best := -1
		for i, s := range sigs {
			if !SameStory(q, s) {
				continue
			}
			// Best: highest overlap, then most shared, then earliest.
			if best < 0 || groupCmp(q, s, sigs[best]) > 0 {
				best = i
			}
		}
		if best >= 0 {
			want, wantOK = int64(best+1), true
		}
		got, ok := x.Match(q, now)
		if got != want || ok != wantOK {
			t.Errorf("signature %d: Match = %d, %v; scan = %d, %v", qi, got, ok, want, wantOK)
		}
	}
}

// groupCmp compares candidates s and b for query q as Match ranks them.
func groupCmp(q, s, b Signature) int {
	ls, lb := min(q.Len(), s.Len()), min(q.Len(), b.Len())
	ss, sb := q.Shared(s), q.Shared(b)
	if l, r := ss*lb, sb*ls; l != r {
		if l > r {
			return 1
		}
		return -1
	}
	return ss - sb
}

func TestStoryIndexCompaction(t *testing.T) {
	x := NewStoryIndex()
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 6000
	sigs := make([]Signature, n)
	for i := range sigs {
		sigs[i] = groupSynthetic(rng, nil, 0)
		x.Add(int64(i+1), sigs[i], t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0.Add((n - 1) * time.Minute)
	live := int(StoryWindow/time.Minute) + 1
	if x.Len() != live {
		t.Errorf("Len = %d, want %d (the last 48 hours)", x.Len(), live)
	}
	if len(x.entries) >= n {
		t.Errorf("%d entries kept for %d live: never compacted", len(x.entries), x.Len())
	}
	for _, i := range []int{n - 1, n - live, n - live - 1, 0} {
		story, ok := x.Match(sigs[i], now)
		wantOK := i >= n-live
		if ok != wantOK || ok && story != int64(i+1) {
			t.Errorf("Match(report %d) = %d, %v; want %d, %v", i, story, ok, i+1, wantOK)
		}
	}
}

// groupSynthetic returns a signature like a news report's: about 35 key
// words, one in seven from a small set of topic words, the rest from a
// large vocabulary with Zipf's law. With base, it is a rewording of base
// that keeps share of base's words.
func groupSynthetic(rng *rand.Rand, base *Signature, share float64) Signature {
	const words = 35
	terms := make([]uint32, 0, words)
	if base != nil {
		for _, w := range base.terms {
			if rng.Float64() < share {
				terms = append(terms, w)
			}
		}
	}
	for len(terms) < words {
		var w uint32
		if rng.IntN(7) == 0 {
			w = uint32(rng.IntN(200)) // topic words: "ukraine", "russia", "war"
		} else {
			// Zipf's law (s = 1) over 200,000 words, ranks log-uniform,
			// less the 30 most frequent: function words, not key words.
			w = 200 + uint32(30*math.Pow(200000/30, rng.Float64()))
		}
		terms = append(terms, groupHash32(w))
	}
	slices.Sort(terms)
	return Signature{terms: slices.Compact(terms)}
}

func groupHash32(w uint32) uint32 {
	return uint32(groupHash([]byte{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)}))
}

func TestFingerprint(t *testing.T) {
	r := groupReports[0]
	fp := Fingerprint(r.title, r.text)
	if fp == 0 || fp != Fingerprint(r.title, r.text) {
		t.Fatalf("Fingerprint is 0 or not deterministic")
	}
	if Fingerprint("", "") != 0 || Fingerprint("a an", "of to") != 0 {
		t.Errorf("Fingerprint of no words is not 0")
	}
	if fp != Sign(r.title, r.text).Fingerprint() {
		t.Errorf("Fingerprint and Signature.Fingerprint differ")
	}
	// An edited copy of a report (a word changed, a sentence reflowed)
	// stays near; other reports, even of the same event, do not.
	edited := Fingerprint(r.title, strings.Replace(strings.ReplaceAll(r.text, "\n", " "), "completed", "finished", 1))
	if d := bits.OnesCount64(fp ^ edited); d > 6 {
		t.Errorf("edited copy is %d bits away, want at most 6", d)
	}
	for _, o := range groupReports[1:] {
		if d := bits.OnesCount64(fp ^ Fingerprint(o.title, o.text)); d <= 6 {
			t.Errorf("%s/%s is %d bits from %s/%s", o.event, o.source, d, r.event, r.source)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	r := groupReports[0]
	b.ReportAllocs()
	for b.Loop() {
		Sign(r.title, r.text)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	r := groupReports[0]
	b.ReportAllocs()
	for b.Loop() {
		Fingerprint(r.title, r.text)
	}
}

// BenchmarkStoryIndexMatch matches against 100,000 reports of the last
// 48 hours: a new report of an unknown story, and a rewording of a
// known one.
func BenchmarkStoryIndexMatch(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(3, 4))
	x := NewStoryIndex()
	t0 := time.Date(2025, 5, 25, 0, 0, 0, 0, time.UTC)
	step := StoryWindow / (2 * n)
	sigs := make([]Signature, n)
	for i := range sigs {
		sigs[i] = groupSynthetic(rng, nil, 0)
		x.Add(int64(i+1), sigs[i], t0.Add(time.Duration(i)*step))
	}
	now := t0.Add(n * step)
	fresh := make([]Signature, 256)
	reworded := make([]Signature, 256)
	for i := range fresh {
		fresh[i] = groupSynthetic(rng, nil, 0)
		reworded[i] = groupSynthetic(rng, &sigs[rng.IntN(n)], 0.5)
	}
	b.Run("new story", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			x.Match(fresh[i%len(fresh)], now)
			i++
		}
	})
	b.Run("known story", func(b *testing.B) {
		b.ReportAllocs()
		i, found := 0, 0
		for b.Loop() {
			if _, ok := x.Match(reworded[i%len(reworded)], now); ok {
				found++
			}
			i++
		}
		if found == 0 {
			b.Fatal("no reworded report matched")
		}
	})
}
