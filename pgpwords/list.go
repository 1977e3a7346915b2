package pgpwords

// The two lists as published by Juola and Zimmermann, indexed by byte value.
// The spelling and capitalisation are the published ones; Decode ignores case.

// even holds the two-syllable words used at even positions (0, 2, 4 ...).
var even = [256]string{
	"aardvark", "absurd", "accrue", "acme", "adrift", "adult", "afflict", "ahead", // 00
	"aimless", "Algol", "allow", "alone", "ammo", "ancient", "apple", "artist", // 08
	"assume", "Athens", "atlas", "Aztec", "baboon", "backfield", "backward", "banjo", // 10
	"beaming", "bedlamp", "beehive", "beeswax", "befriend", "Belfast", "berserk", "billiard", // 18
	"bison", "blackjack", "blockade", "blowtorch", "bluebird", "bombast", "bookshelf", "brackish", // 20
	"breadline", "breakup", "brickyard", "briefcase", "Burbank", "button", "buzzard", "cement", // 28
	"chairlift", "chatter", "checkup", "chisel", "choking", "chopper", "Christmas", "clamshell", // 30
	"classic", "classroom", "cleanup", "clockwork", "cobra", "commence", "concert", "cowbell", // 38
	"crackdown", "cranky", "crowfoot", "crucial", "crumpled", "crusade", "cubic", "dashboard", // 40
	"deadbolt", "deckhand", "dogsled", "dragnet", "drainage", "dreadful", "drifter", "dropper", // 48
	"drumbeat", "drunken", "Dupont", "dwelling", "eating", "edict", "egghead", "eightball", // 50
	"endorse", "endow", "enlist", "erase", "escape", "exceed", "eyeglass", "eyetooth", // 58
	"facial", "fallout", "flagpole", "flatfoot", "flytrap", "fracture", "framework", "freedom", // 60
	"frighten", "gazelle", "Geiger", "glitter", "glucose", "goggles", "goldfish", "gremlin", // 68
	"guidance", "hamlet", "highchair", "hockey", "indoors", "indulge", "inverse", "involve", // 70
	"island", "jawbone", "keyboard", "kickoff", "kiwi", "klaxon", "locale", "lockup", // 78
	"merit", "minnow", "miser", "Mohawk", "mural", "music", "necklace", "Neptune", // 80
	"newborn", "nightbird", "Oakland", "obtuse", "offload", "optic", "orca", "payday", // 88
	"peachy", "pheasant", "physique", "playhouse", "Pluto", "preclude", "prefer", "preshrunk", // 90
	"printer", "prowler", "pupil", "puppy", "python", "quadrant", "quiver", "quota", // 98
	"ragtime", "ratchet", "rebirth", "reform", "regain", "reindeer", "rematch", "repay", // a0
	"retouch", "revenge", "reward", "rhythm", "ribcage", "ringbolt", "robust", "rocker", // a8
	"ruffled", "sailboat", "sawdust", "scallion", "scenic", "scorecard", "Scotland", "seabird", // b0
	"select", "sentence", "shadow", "shamrock", "showgirl", "skullcap", "skydive", "slingshot", // b8
	"slowdown", "snapline", "snapshot", "snowcap", "snowslide", "solo", "southward", "soybean", // c0
	"spaniel", "spearhead", "spellbind", "spheroid", "spigot", "spindle", "spyglass", "stagehand", // c8
	"stagnate", "stairway", "standard", "stapler", "steamship", "sterling", "stockman", "stopwatch", // d0
	"stormy", "sugar", "surmount", "suspense", "sweatband", "swelter", "tactics", "talon", // d8
	"tapeworm", "tempest", "tiger", "tissue", "tonic", "topmost", "tracker", "transit", // e0
	"trauma", "treadmill", "Trojan", "trouble", "tumor", "tunnel", "tycoon", "uncut", // e8
	"unearth", "unwind", "uproot", "upset", "upshot", "vapor", "village", "virus", // f0
	"Vulcan", "waffle", "wallet", "watchword", "wayside", "willow", "woodlark", "Zulu", // f8
}

// odd holds the three-syllable words used at odd positions (1, 3, 5 ...).
var odd = [256]string{
	"adroitness", "adviser", "aftermath", "aggregate", "alkali", "almighty", "amulet", "amusement", // 00
	"antenna", "applicant", "Apollo", "armistice", "article", "asteroid", "Atlantic", "atmosphere", // 08
	"autopsy", "Babylon", "backwater", "barbecue", "belowground", "bifocals", "bodyguard", "bookseller", // 10
	"borderline", "bottomless", "Bradbury", "bravado", "Brazilian", "breakaway", "Burlington", "businessman", // 18
	"butterfat", "Camelot", "candidate", "cannonball", "Capricorn", "caravan", "caretaker", "celebrate", // 20
	"cellulose", "certify", "chambermaid", "Cherokee", "Chicago", "clergyman", "coherence", "combustion", // 28
	"commando", "company", "component", "concurrent", "confidence", "conformist", "congregate", "consensus", // 30
	"consulting", "corporate", "corrosion", "councilman", "crossover", "crucifix", "cumbersome", "customer", // 38
	"Dakota", "decadence", "December", "decimal", "designing", "detector", "detergent", "determine", // 40
	"dictator", "dinosaur", "direction", "disable", "disbelief", "disruptive", "distortion", "document", // 48
	"embezzle", "enchanting", "enrollment", "enterprise", "equation", "equipment", "escapade", "Eskimo", // 50
	"everyday", "examine", "existence", "exodus", "fascinate", "filament", "finicky", "forever", // 58
	"fortitude", "frequency", "gadgetry", "Galveston", "getaway", "glossary", "gossamer", "graduate", // 60
	"gravity", "guitarist", "hamburger", "Hamilton", "handiwork", "hazardous", "headwaters", "hemisphere", // 68
	"hesitate", "hideaway", "holiness", "hurricane", "hydraulic", "impartial", "impetus", "inception", // 70
	"indigo", "inertia", "infancy", "inferno", "informant", "insincere", "insurgent", "integrate", // 78
	"intention", "inventive", "Istanbul", "Jamaica", "Jupiter", "leprosy", "letterhead", "liberty", // 80
	"maritime", "matchmaker", "maverick", "Medusa", "megaton", "microscope", "microwave", "midsummer", // 88
	"millionaire", "miracle", "misnomer", "molasses", "molecule", "Montana", "monument", "mosquito", // 90
	"narrative", "nebula", "newsletter", "Norwegian", "October", "Ohio", "onlooker", "opulent", // 98
	"Orlando", "outfielder", "Pacific", "pandemic", "Pandora", "paperweight", "paragon", "paragraph", // a0
	"paramount", "passenger", "pedigree", "Pegasus", "penetrate", "perceptive", "performance", "pharmacy", // a8
	"phonetic", "photograph", "pioneer", "pocketful", "politeness", "positive", "potato", "processor", // b0
	"provincial", "proximate", "puberty", "publisher", "pyramid", "quantity", "racketeer", "rebellion", // b8
	"recipe", "recover", "repellent", "replica", "reproduce", "resistor", "responsive", "retraction", // c0
	"retrieval", "retrospect", "revenue", "revival", "revolver", "sandalwood", "sardonic", "Saturday", // c8
	"savagery", "scavenger", "sensation", "sociable", "souvenir", "specialist", "speculate", "stethoscope", // d0
	"stupendous", "supportive", "surrender", "suspicious", "sympathy", "tambourine", "telephone", "therapist", // d8
	"tobacco", "tolerance", "tomorrow", "torpedo", "tradition", "travesty", "trombonist", "truncated", // e0
	"typewriter", "ultimate", "undaunted", "underfoot", "unicorn", "unify", "universe", "unravel", // e8
	"upcoming", "vacancy", "vagabond", "vertigo", "Virginia", "visitor", "vocalist", "voyager", // f0
	"warranty", "Waterloo", "whimsical", "Wichita", "Wilmington", "Wyoming", "yesteryear", "Yucatan", // f8
}
