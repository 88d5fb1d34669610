"""The vocabulary as text tables, one entry per line: ``value: phrase | phrase | ...``.

Phrases are lower case; a hyphen in a request counts as a space, so "lo fi" also matches
"lo-fi".  :mod:`bot.parsing.vocab` turns these tables into the phrase index.
"""

from __future__ import annotations

__all__ = [
    "BACKEND_ALIASES",
    "ERAS",
    "FILLER_PHRASES",
    "GENRES",
    "INSTRUMENTS",
    "METER_WORDS",
    "MOODS",
    "SECTIONS",
    "SECTION_CONTEXT",
    "SONG_STRONG",
    "SONG_WEAK",
    "TEMPO_HINTS",
    "WEAK_GENRES",
    "WORD_SETS",
    "table",
    "word_set",
    "words",
]

#: style id: genre nouns.  Words the embedded styles cannot play faithfully go to the nearest
#: style (reggae → pop, country → rock, chiptune → synthwave) and stay in the prompt.
GENRES = """
lofi: lofi | lo fi | lofi hip hop | lo fi hip hop | lofi hiphop | lo fi hiphop | lofi beats |
  lofi beat | chillhop | chill hop | jazzhop | jazz hop | study beats | beats to study to |
  beats to relax to | neo soul | bedroom pop
pop: pop | pop music | kpop | k pop | jpop | j pop | indie pop | electropop | dance pop |
  power pop | city pop | dream pop | reggae | afrobeat | afrobeats | funk | motown | folk |
  indie folk | folk pop | singer songwriter | latin pop | bubblegum pop | soft rock | synthpop |
  synth pop | pop ballad | power ballad | club pop | disco pop | 80s pop | modern pop | radio pop
rock: rock | rock music | hard rock | indie | indie rock | alt rock | alternative |
  alternative rock | classic rock | garage rock | punk | punk rock | pop punk | post punk | metal |
  heavy metal | death metal | black metal | metalcore | nu metal | thrash | thrash metal | grunge |
  emo | shoegaze | post rock | prog | prog rock | progressive rock | surf rock | rockabilly |
  rock and roll | rock n roll | rock'n'roll | rocknroll | blues rock | country | bluegrass | ska |
  americana | trap metal
house: house | house music | deep house | tech house | progressive house | future house |
  tropical house | acid house | techno | minimal techno | edm | dance music |
  electronic dance music | electronic | electronica | electro | trance | psytrance | big room |
  dubstep | brostep | drum and bass | drum n bass | drumnbass | dnb | d and b | d&b | jungle |
  liquid dnb | garage | uk garage | future bass | hardstyle | rave | club music | disco |
  nu disco | eurodance | breakbeat | dance
ambient: ambient | ambient music | drone | dark ambient | new age | meditation |
  meditation music | soundscape | soundscapes | sleep music | spa music
jazz: jazz | smooth jazz | jazz fusion | fusion | bebop | be bop | hard bop | cool jazz |
  acid jazz | nu jazz | gypsy jazz | latin jazz | swing | big band | bossa nova | bossa | samba |
  latin | blues | delta blues | soul | lounge | elevator music
cinematic: cinematic | orchestral | orchestra | symphonic | symphony | epic orchestral |
  film score | film music | movie score | movie soundtrack | soundtrack | score | trailer music |
  classical | classical music | baroque | opera | choral | video game music | game music |
  game soundtrack | chamber music | celtic | medieval | tango
hiphop: hip hop | hiphop | hip hop beat | rap | rap beat | trap | trap beat | boom bap | boombap |
  drill | uk drill | grime | phonk | g funk | gfunk | dancehall | reggaeton | r&b | rnb |
  r and b | r n b | rhythm and blues | crunk | cloud rap | old school hip hop
piano: solo piano | piano solo | piano ballad | piano piece | piano only | just piano |
  only piano | ragtime | gospel | classical piano | piano sonata | nocturne
synthwave: synthwave | synth wave | retrowave | retro wave | outrun | vaporwave | darksynth |
  chillwave | dreamwave | chiptune | chiptunes | 8 bit | 8bit | 16 bit | cyberpunk | new wave |
  italo disco
"""

#: style id: genre adjectives and eras, used only when no genre noun is present.
WEAK_GENRES = """
jazz: jazzy | bluesy | swingy | soulful
pop: funky | poppy
rock: rocky | punky
cinematic: epic
piano: ballad | ballads | lullaby
synthwave: retro | 80s | eighties | synthy
ambient: atmospheric
"""

MOODS = """
chill: chill | chilled | chilling | chillout | chill out | laid back | laidback | cozy | cosy |
  lowkey | low key
relaxed: relaxed | relaxing | calm | calming | peaceful | serene | soothing | tranquil | mellow |
  gentle | easygoing | easy going | meditative
sad: sad | sadness | sorrowful | mournful | gloomy | somber | sombre | heartbroken | depressing |
  tearful | tragic
melancholic: melancholic | melancholy | wistful | bittersweet | lonely | longing
happy: happy | joyful | cheerful | cheery | joyous | sunny | feel good | feelgood | carefree |
  summery | fun
uplifting: uplifting | hopeful | inspiring | inspirational | optimistic | euphoric |
  motivational | triumphant
epic: epic | grand | heroic | majestic | epic orchestral
dark: dark | ominous | sinister | evil | menacing | gritty | grim | brooding | spooky | creepy |
  scary | horror
dreamy: dreamy | dreamlike | ethereal | floaty | hazy | spacey | spacy | airy | celestial |
  magical | atmospheric
energetic: energetic | high energy | hype | hyped | driving | pumping | lively | powerful |
  exciting | party | danceable | bouncy
aggressive: aggressive | angry | fierce | furious | rage | brutal | hard hitting | violent
romantic: romantic | romance | love song | sensual | tender | sexy | intimate | passionate
mysterious: mysterious | mystery | eerie | enigmatic | mystical | haunting
tense: tense | suspenseful | suspense | tension | anxious | nervous | thriller
nostalgic: nostalgic | nostalgia | throwback | reminiscent
playful: playful | quirky | whimsical | silly | cute | goofy | cartoon
groovy: groovy | funky | groove | grooves | grooving
"""

INSTRUMENTS = """
piano: piano | pianos | grand piano | acoustic piano | upright piano | solo piano | piano solo |
  piano ballad | piano piece | piano only | just piano | only piano | classical piano |
  piano sonata
electric piano: electric piano | e piano | epiano | rhodes | fender rhodes | wurlitzer | wurli
keys: keys | keyboard | keyboards
organ: organ | organs | hammond | hammond organ | church organ | pipe organ
synth: synth | synths | synthesizer | synthesizers | synthesiser | analog synth | analog synths |
  lead synth | synth lead | synthy
pad: pad | pads | synth pad | synth pads
arpeggio: arp | arps | arpeggio | arpeggios | arpeggiator
guitar: guitar | guitars | gtr
acoustic guitar: acoustic guitar | acoustic guitars | nylon guitar | classical guitar |
  spanish guitar
electric guitar: electric guitar | electric guitars | distorted guitar | overdriven guitar
bass: bass | bass guitar | bassline | bass line | basslines | electric bass | synth bass | sub bass
upright bass: upright bass | double bass | acoustic bass | contrabass
808: 808 | 808s | 808 bass
drums: drums | drum | drum kit | drumkit | drum machine | kick | kicks | snare | snares |
  hi hats | hihats | hi hat | hihat
percussion: percussion | shaker | shakers | conga | congas | bongo | bongos | cajon | hand drums
strings: strings | string section | string ensemble | string quartet | violins | pizzicato
violin: violin | fiddle
viola: viola | violas
cello: cello | cellos | violoncello
harp: harp | harps
flute: flute | flutes | pan flute
clarinet: clarinet | clarinets
oboe: oboe | oboes
bassoon: bassoon | bassoons
saxophone: saxophone | sax | saxophones | tenor sax | alto sax
trumpet: trumpet | trumpets | muted trumpet
trombone: trombone | trombones
french horn: french horn
brass: brass | brass section | horn section | horns
tuba: tuba | tubas
choir: choir | choirs
vocals: vocals | vocal | voice | voices | vocal chops
bells: bells | bell | tubular bells | chimes | chime
glockenspiel: glockenspiel | glockenspiels | glock
celesta: celesta
music box: music box
marimba: marimba | marimbas
vibraphone: vibraphone
xylophone: xylophone | xylophones
kalimba: kalimba
steel drums: steel drum | steel drums | steelpan
ukulele: ukulele | ukuleles | uke
banjo: banjo | banjos
mandolin: mandolin | mandolins
accordion: accordion | accordions
harmonica: harmonica | harmonicas
sitar: sitar | sitars
koto: koto
timpani: timpani
tabla: tabla
bagpipes: bagpipes | bagpipe
"""

SECTIONS = """
intro: intro | intros | introduction | opening | openings | opener | opening section | beginning |
  start of the song | start of the track | start of a song | beginning of the song |
  beginning of a song | cold open | fade in
verse: verse | verses
chorus: chorus | choruses | refrain
bridge: bridge | bridges | middle eight | middle 8 | breakdown
buildup: build up | buildup | build ups | buildups | riser | build up to the climax |
  build up to a climax | build up to the drop | build up into the drop | riser into the drop
climax: climax | crescendo
outro: outro | outros | outtro | ending | endings | finale | closing | closer | coda |
  end of the song | end of song | end of the track | end of a song | fade out | fadeout |
  end credits
"""

#: Words that are a section only when used as a noun ("the drop", not "drop me a beat").
SECTION_CONTEXT = """
intro: start
outro: end
climax: drop | peak
buildup: rise
chorus: hook
"""

SONG_STRONG = """
song: full song | whole song | entire song | complete song | full track | whole track |
  entire track | complete track | whole thing | full thing | entire thing | full piece |
  whole piece | complete piece | full tune | whole tune | full composition |
  complete composition | all sections | all the sections | every section | all parts |
  from start to finish | start to finish | from intro to outro | intro to outro |
  from beginning to end | beginning to end | full length song | full length track
"""

SONG_WEAK = """
song: song | songs | track | tracks | tune | tunes | piece | composition | banger | love song
"""

TEMPO_HINTS = """
slow: slow | slower | slowly | slow paced | slow tempo | downtempo | down tempo | sluggish |
  very slow | super slow
medium: mid tempo | midtempo | medium tempo | moderate tempo | mid paced
fast: fast | faster | rapid | speedy | fast paced | high tempo | very fast | super fast
upbeat: upbeat | uptempo | up tempo
"""

#: Meter words; "waltz" and "jig" also stay in the prompt (see vocab.METER_CONTENT).
METER_WORDS = """
3/4: waltz | three four | three four time | triple meter | triple time
4/4: common time | four four | four four time
6/8: six eight | six eight time | jig | compound time
"""

ERAS = """
50s: fifties
60s: sixties
70s: seventies
80s: eighties
90s: nineties
"""

BACKEND_ALIASES = """
musicgen: music gen
musicgen-melody: musicgen melody | music gen melody
embedded: built in | builtin | embedded composer
jukebox: juke box
"""

#: Idioms that contain a key letter or a duration but mean neither ("in a minute").
FILLER_PHRASES = """
filler: in a minute | in a sec | in a second | in a moment | in a bit | in a while | in a jiffy |
  random seed
"""

#: Word sets (one name per line, then its words).
WORD_SETS = """
fillers: a an the please pls plz make makes making create compose generate write produce give
  gimme me us can could would will you u i id i'd im i'm want wanna need some something hey hi
  hello yo bot composer my our your it its that this just thanks thank thx now let lets let's go
  get do kindly maybe ok okay sure new one is be should am are was we'd we we're start begin
  play playing
connectors: with and or at in of for on to by featuring feat ft plus using into over like from
  but mixed blended
negations: no without minus not except
approx: about around roughly approximately approx circa ~ ish
music: music beat beats melody melodies tune loop loops jam groove instrumental sound sounds
  chords chord progression riff harmony rhythm vibe vibes bars major minor key scale jingle
  jingles theme anthem ost bgm ditty remix cover
go_ahead: surprise anything random whatever
structure: bpm tempo beats minute minutes second seconds seed backend major minor key sharp flat
  hour hours length duration long
"""


def table(text: str) -> dict[str, tuple[str, ...]]:
    """Parse ``value: phrase | phrase`` lines (indented lines continue the previous entry)."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line[0].isspace() and current is not None:
            body = line
        else:
            value, _, body = line.partition(": ")
            current = entries.setdefault(value.strip(), [])
        current.extend(p.strip() for p in body.split("|") if p.strip())
    return {value: tuple(phrases) for value, phrases in entries.items()}


def words(text: str) -> frozenset[str]:
    """The space-separated words of ``text``."""
    return frozenset(text.split())


def word_set(name: str) -> frozenset[str]:
    """One of :data:`WORD_SETS` (space-separated words)."""
    entries: dict[str, list[str]] = {}
    current: list[str] = []
    for line in WORD_SETS.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            current.extend(line.split())
        else:
            key, _, body = line.partition(": ")
            current = entries.setdefault(key, [])
            current.extend(body.split())
    return frozenset(entries[name])
