package summarize

import (
	"strings"
	"sync"
	"unicode/utf8"

	"newsbot/summarize/internal/porter"
)

// lang identifies a language the summarizer knows stopwords for.
type lang uint8

const (
	langNone lang = iota // unknown: no stopwords, no stemming
	langEN
	langDE
	langFR
	langES
	langIT
	langPT
	langNL
	langRU
	langUK
	langJA
	langZH
	numLangs
)

var langCodes = [numLangs]string{"", "en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "ja", "zh"}

// parseLang maps an ISO 639-1 code (or a tag such as "en-GB") to a lang;
// unknown codes give langNone and ok false.
func parseLang(code string) (lang, bool) {
	code = strings.ToLower(code)
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	for l, c := range langCodes {
		if c != "" && c == code {
			return lang(l), true
		}
	}
	return langNone, false
}

// Stopword lists: function words, and in English a few reporting verbs
// ("said", "told") that news repeats in every paragraph.
var stopwordLists = [numLangs]string{
	langEN: `a about above after again against ago ain all also although am among an and any are aren
as at be because been before being below between both but by can cannot could couldn d did didn do
does doesn doing don down during each either else even ever every few for from further had hadn has
hasn have haven having he her here hers herself him himself his how however i if in including into is
isn it its itself just ll m ma many may me might mightn more most mr mrs ms much must mustn my myself
needn neither no nor not now o of off on once one only or other others our ours ourselves out over own
per re s said same say saying says shall shan she should shouldn since so some still such t than that
the their theirs them themselves then there these they this those though through thus to too told
under until up upon us ve very via was wasn we were weren what when where whether which while who whom
whose why will with within without won would wouldn y yet you your yours yourself yourselves
according added adding asked`,
	langDE: `aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
anders auch auf aus bei beim bereits bin bis bist bzw da damit dann das dass daß dem den denen denn der
deren derer des dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine
einem einen einer eines einige einigen einiges einmal er es etwa etwas euch euer eure für gegen gewesen
hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im
in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem
keinen keiner keines können könnte laut machen man manche mehr mein meine meinem meinen meiner meines
mit muss musste nach nicht nichts noch nun nur ob oder ohne sagte sagt sehr sei sein seine seinem
seinen seiner seines seit selbst sich sie sind so solche soll sollte sondern sonst sowie über um und
uns unser unsere unserem unseren unter viel vom von vor während war waren was weil weiter welche
welchem welchen welcher welches wenn wer werde werden wie wieder will wir wird wirst wo wollen wollte
worden wurde wurden würde würden zu zum zur zwar zwei zwischen`,
	langFR: `a ai aie ait alors as au aucun aussi autre aux avait avaient avant avec avez avoir avons ayant
c ce ceci cela celle celles celui cependant ces cet cette ceux chaque comme comment d dans de depuis des
deux donc dont du elle elles en encore entre es est et été être eu eux fait faire fois hors il ils j je
jusqu l la le les leur leurs lors lui m ma mais me même mes moi moins mon n ne ni nos notre nous on ont
ou où par parce pas pendant peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui s sa
sans se selon sera serait ses si sont sous sur t ta te tes toi ton tous tout toute toutes très tu un
une vers vos votre vous y à déjà`,
	langES: `a al algo algunas algunos ante antes aquel aquella así aunque cada como con contra cual cuando
de del desde donde dos durante e el ella ellas ellos en entre era eran es esa esas ese eso esos esta
estaba estado estamos están estar estas este esto estos fue fueron ha había habían han hasta hay la las
le les lo los mas más me mi mientras mis mucho muy nada ni no nos nosotros o otra otras otro otros para
pero poco por porque que qué quien quienes se sea según ser si sido siempre sin sino sobre son su sus
también tan tanto te tiene tienen todo todos tras tu tus un una uno unos y ya yo él dijo`,
	langIT: `a ad agli ai al alla alle allo anche avere aveva c che chi ci come con contro cui da dagli dai
dal dalla dalle dei del della delle dello di dopo dove e è ed era erano essere fa gli ha hanno ho i il
in io l la le lei li lo loro lui ma mi molto ne negli nei nel nella nelle nello noi non o per però più
quale quando quanto quella quelle quelli quello questa queste questi questo se sei si sia siamo sono
stata stati stato su sua sue sui sul sulla suo suoi tra tutti tutto un una uno voi`,
	langPT: `a ao aos as até com como da das de dela dele deles depois do dos e ela elas ele eles em entre
era essa esse esta está estão este eu foi foram há isso já lhe mais mas me mesmo meu minha muito na nas
nem no nos nós num numa o os ou para pela pelas pelo pelos por quando que quem se sem ser seu seus sua
suas são também te tem têm um uma umas uns você à às é disse segundo`,
	langNL: `aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus een
eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je
kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat onder ons ook op
over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat werd wezen wie wil worden
wordt zal ze zei zelf zich zij zijn zo zonder zou`,
	langRU: `а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для
до его ее ей если есть еще же за здесь и из или им их к как какой когда кто ли между меня мне может мы
на над надо наш не него нее нет ни них но ну о об однако он она они оно от очень по под после при про
с со так также такой там те тем то того тоже той только том ты у уже хотя чего чем что чтобы эта эти
это этого этой этом этот я который которая которые которых года году заявил сообщил`,
	langUK: `а або але б би бо був була були було бути в вже ви від вона вони воно все всі вся де для
до є його її з за зі і із їх й їм йому коли котрий лише ми між мене мені на над нам не ні ніж ну про
під після при саме та так також там те тим ти то тому тут у хто це цей ці ця через чи що щоб як який
яка яке які якщо року році заявив повідомив`,
}

// wordAttrs holds, for the lower-case words that have one, what the
// word table keeps with a word: the set of languages in which it is a
// stopword (a bit per lang), and attrJunk for the junkTriggers. It is a
// wordTable itself, so that a new word is looked up with the hash the
// tokenizer computed. It is built once, when first needed, and only
// read.
var wordAttrs = sync.OnceValue(buildWordAttrs)

func buildWordAttrs() *wordTable {
	m := make(map[string]uint16, 2000)
	var words []string
	add := func(w string, attr uint16) {
		if _, ok := m[w]; !ok {
			words = append(words, w)
		}
		m[w] |= attr
	}
	for l, list := range stopwordLists {
		for _, w := range strings.Fields(list) {
			add(w, 1<<l)
		}
	}
	for _, w := range junkTriggers {
		add(w, attrJunk)
	}
	t := new(wordTable)
	for _, w := range words {
		h, _ := hashWord([]byte(w))
		t.add([]byte(w), h, m[w])
	}
	return t
}

// attrOf returns the attr of the lower-case word w, whose hash is h and
// prefix p: 0 for most words.
func attrOf(w []byte, h uint32, p uint64) uint16 {
	_, attr := wordAttrs().find(w, h, p)
	return attr
}

// starterExtra are words that often begin a sentence without being
// stopwords; with the stopwords they tell a sentence boundary after an
// abbreviation or ellipsis.
var starterExtra = map[string]bool{
	"the": true, "meanwhile": true, "later": true, "earlier": true, "last": true, "police": true,
	"officials": true, "critics": true, "some": true, "many": true, "several": true, "now": true,
	"today": true, "yesterday": true, "analysts": true, "experts": true, "instead": true, "despite": true,
}

func sentenceStarter(lower string) bool {
	w := []byte(lower)
	h, p := hashWord(w)
	if attrOf(w, h, p)&^attrJunk != 0 {
		return true
	}
	return starterExtra[lower]
}

// Japanese and Chinese have no spaces between words; the summarizer
// indexes overlapping pairs of characters instead, skipping pairs made
// only of grammatical characters.
func isHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x2FA1F
}

func isKana(r rune) bool {
	return r >= 0x3040 && r <= 0x30FF || r >= 0x31F0 && r <= 0x31FF || r >= 0xFF66 && r <= 0xFF9F
}

func isHiragana(r rune) bool { return r >= 0x3040 && r <= 0x309F }

// cjkStop holds Chinese characters that carry grammar, not content.
func cjkStop(r rune) bool {
	switch r {
	case '的', '了', '是', '在', '和', '与', '及', '也', '就', '都', '而', '或', '但', '这', '那', '其', '之',
		'于', '为', '以', '被', '把', '对', '从', '向', '个', '们', '我', '你', '他', '她', '它', '着', '将',
		'已', '并', '等', '所', '有', '不', '说', '中', '上', '下':
		return true
	}
	return false
}

// bigramStop reports whether a pair of CJK characters is only grammar.
func bigramStop(a, b rune) bool {
	if isHiragana(a) && isHiragana(b) {
		return true
	}
	return cjkStop(a) && cjkStop(b) || isHiragana(a) && cjkStop(b) || cjkStop(a) && isHiragana(b)
}

// appendStem appends the stem of the lower-case word w in language l.
// English uses the Porter stemmer; the other languages strip common
// inflectional endings (light stemming, after Savoy), which groups
// singular and plural, masculine and feminine, without the errors of a
// full stemmer.
func appendStem(dst []byte, w []byte, l lang) []byte {
	switch l {
	case langEN:
		if isASCII(w) {
			return porter.AppendStem(dst, w)
		}
	case langDE:
		return lightStem(dst, w, germanEndings, 4)
	case langFR:
		return lightStem(dst, w, frenchEndings, 3)
	case langES:
		return lightStem(dst, w, spanishEndings, 3)
	case langIT:
		return lightStem(dst, w, italianEndings, 3)
	case langPT:
		return lightStem(dst, w, portugueseEndings, 3)
	case langNL:
		return lightStem(dst, w, dutchEndings, 3)
	case langRU:
		return lightStem(dst, w, russianEndings, 3)
	case langUK:
		return lightStem(dst, w, ukrainianEndings, 3)
	}
	return append(dst, w...)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Endings, longest first within each list so that the first match is
// the longest.
var (
	germanEndings     = splitEndings("ungen heiten keiten ern em er en es ung heit keit e s n")
	frenchEndings     = splitEndings("issements issement ements ement ations ation euses euse eaux aux eux ées és ée es er é e s x")
	spanishEndings    = splitEndings("aciones amientos imientos amiento imiento ación mente idades idad iones ión es os as o a s")
	italianEndings    = splitEndings("azioni azione mente ità ioni ione i e o a")
	portugueseEndings = splitEndings("ações ação mente idades idade ões ão es os as o a s")
	dutchEndings      = splitEndings("heden heid ingen ing en e s")
	russianEndings    = splitEndings("иями ями ами ого его ому ему ыми ими ешь ете ишь ите ают яют уют ать ять ить ыть ость ой ей ий ый ая яя ое ее ом ем ам ах ях ую юю ов ев ы и а я о е у ю ь й")
	ukrainianEndings  = splitEndings("ями ами ого ому ими іми ати ити ують ають ість ий ій ої ою ею ом ем ам ям ах ях ів їв ей и і а я о е у ю ь ї є")
)

func splitEndings(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

// lightStem strips the first ending of the list that leaves at least
// minRunes runes.
func lightStem(dst, w []byte, endings [][]byte, minRunes int) []byte {
	n := utf8.RuneCount(w)
	for _, e := range endings {
		if len(e) < len(w) && string(w[len(w)-len(e):]) == string(e) {
			if n-utf8.RuneCount(e) >= minRunes {
				return append(dst, w[:len(w)-len(e)]...)
			}
		}
	}
	return append(dst, w...)
}
