//! Word forms, so the words a user says find the words of a title whatever their form: "paid"
//! is "pay", "groceries" is "grocery", "the milk's" is "milk", "renewal" is "renew". Also which
//! words are verbs of the past ("I paid the rent", "called mom") and which verbs start a task
//! ("buy", "call", "water"), which the statement and list readers need.

/// Past forms that do not end in "-ed", with their base form. "payed" is a common misspelling
/// of "paid", so it is here too.
const IRREGULAR: &[(&str, &str)] = &[
    ("paid", "pay"),
    ("payed", "pay"),
    ("bought", "buy"),
    ("got", "get"),
    ("gotten", "get"),
    ("sent", "send"),
    ("went", "go"),
    ("gone", "go"),
    ("did", "do"),
    ("done", "do"),
    ("made", "make"),
    ("wrote", "write"),
    ("written", "write"),
    ("took", "take"),
    ("taken", "take"),
    ("gave", "give"),
    ("given", "give"),
    ("brought", "bring"),
    ("fed", "feed"),
    ("ate", "eat"),
    ("eaten", "eat"),
    ("met", "meet"),
    ("sold", "sell"),
    ("told", "tell"),
    ("found", "find"),
    ("kept", "keep"),
    ("came", "come"),
    ("ran", "run"),
    ("saw", "see"),
    ("seen", "see"),
    ("spoke", "speak"),
    ("spoken", "speak"),
    ("drove", "drive"),
    ("driven", "drive"),
    ("flew", "fly"),
    ("flown", "fly"),
    ("rode", "ride"),
    ("swam", "swim"),
    ("hung", "hang"),
    ("threw", "throw"),
    ("thrown", "throw"),
    ("caught", "catch"),
    ("taught", "teach"),
    ("built", "build"),
    ("spent", "spend"),
    ("lent", "lend"),
    ("sang", "sing"),
    ("drew", "draw"),
    ("drawn", "draw"),
    ("grew", "grow"),
    ("chose", "choose"),
    ("chosen", "choose"),
    ("woke", "wake"),
    ("wore", "wear"),
    ("tore", "tear"),
    ("dealt", "deal"),
    ("swept", "sweep"),
    ("slept", "sleep"),
    ("sat", "sit"),
    ("won", "win"),
    ("read", "read"),
    ("put", "put"),
    ("cut", "cut"),
    ("set", "set"),
    ("shut", "shut"),
    ("hit", "hit"),
    ("left", "leave"),
    ("rang", "ring"),
    ("rung", "ring"),
    ("froze", "freeze"),
    ("frozen", "freeze"),
    ("forgot", "forget"),
    ("began", "begin"),
    ("begun", "begin"),
];

/// Verbs that say a task is done without saying which ("got", "sorted out", "did"): a
/// statement's verb is searched for in titles unless it is one of these.
const GENERIC: &[&str] = &[
    "get", "do", "sort", "finish", "complete", "handle", "deal", "manage", "take", "make", "tick",
    "check", "cross", "knock", "wrap", "nail", "sorted", "go",
];

/// Verbs a task title commonly starts with ("Buy milk", "Call mom", "Water the plants").
const TASK_VERBS: &[&str] = &[
    "buy",
    "call",
    "phone",
    "text",
    "email",
    "mail",
    "send",
    "water",
    "feed",
    "walk",
    "clean",
    "wash",
    "tidy",
    "vacuum",
    "pick",
    "drop",
    "collect",
    "fetch",
    "bring",
    "take",
    "get",
    "go",
    "visit",
    "meet",
    "see",
    "book",
    "order",
    "pay",
    "file",
    "submit",
    "renew",
    "return",
    "cancel",
    "schedule",
    "plan",
    "prepare",
    "prep",
    "write",
    "read",
    "review",
    "finish",
    "start",
    "fix",
    "repair",
    "replace",
    "install",
    "update",
    "upgrade",
    "check",
    "print",
    "sign",
    "register",
    "apply",
    "learn",
    "practice",
    "practise",
    "study",
    "cook",
    "bake",
    "make",
    "do",
    "organize",
    "organise",
    "sort",
    "pack",
    "unpack",
    "move",
    "paint",
    "mow",
    "trim",
    "shop",
    "grab",
    "find",
    "research",
    "ask",
    "tell",
    "remind",
    "thank",
    "invite",
    "respond",
    "follow",
    "chase",
    "confirm",
    "arrange",
    "hang",
    "build",
    "assemble",
    "download",
    "upload",
    "backup",
    "sell",
    "donate",
    "recycle",
    "throw",
    "change",
    "refill",
    "sweep",
    "mop",
    "fold",
    "hoover",
    "run",
    "jog",
    "swim",
    "attend",
    "join",
    "celebrate",
    "wrap",
    "try",
    "edit",
    "inspect",
    "measure",
    "deliver",
    "pickup",
    "renovate",
    "decorate",
    "catch",
    "clear",
    "declutter",
    "scan",
    "photocopy",
    "sew",
    "knit",
    "fill",
    "complete",
    "defrost",
    "descale",
    "lock",
    "unlock",
];

/// Words that never help find a task: articles, pronouns, prepositions, list words.
const STOP: &[&str] = &[
    "the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those",
    "it", "its", "one", "ones", "task", "tasks", "todo", "todos", "to-do", "item", "items",
    "entry", "thing", "things", "stuff", "reminder", "list", "to", "for", "of", "on", "in", "at",
    "with", "from", "about", "by", "up", "out", "off", "and", "or", "&", "i", "me", "we", "is",
    "are", "was", "were", "be", "been", "am", "im", "ive", "just", "already", "finally", "also",
    "please", "pls", "so", "now", "all", "some", "any", "too", "again", "there", "here", "called",
    "named", "titled", "thats", "which", "who", "what", "you", "can", "could", "would", "will",
    "should", "yet", "still", "not", "no", "very", "really",
];

/// True for a word that never helps find a task.
pub(super) fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

/// True for a verb a task title commonly starts with.
pub(super) fn is_task_verb(word: &str) -> bool {
    TASK_VERBS.contains(&word)
}

/// True for a verb that says something is done without saying what ("got", "sorted").
pub(super) fn is_generic(base: &str) -> bool {
    GENERIC.contains(&base)
}

/// The base form of a verb of the past ("paid" → "pay", "watered" → "water", "picked" →
/// "pick"), or `None` when the word is not one.
pub(super) fn past(word: &str) -> Option<String> {
    if let Some((_, base)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        return Some((*base).to_owned());
    }
    let base = word.strip_suffix("ed")?;
    if base.chars().count() < 3 || base.ends_with('e') && base.len() < 4 {
        return None;
    }
    Some(regular_base(word, base))
}

/// "watered" → "water", "carried" → "carry", "cancelled" → "cancel", "renewed" → "renew".
fn regular_base(word: &str, base: &str) -> String {
    if let Some(stem) = word.strip_suffix("ied") {
        return format!("{stem}y");
    }
    let chars: Vec<char> = base.chars().collect();
    // "cancelled", "travelled": the British double "l"; "called", "filled" keep theirs.
    let british = base.ends_with("ell") && chars.len() >= 6;
    match chars.as_slice() {
        [.., a, b] if a == b && (british || !matches!(a, 'l' | 's' | 'f' | 'z')) => {
            chars[..chars.len() - 1].iter().collect()
        }
        _ => base.to_owned(),
    }
}

/// The form a word is compared in: irregular forms to their base, then common endings off
/// ("groceries" → "grocery", "taxes" → "tax", "shopping" → "shop", "renewal" → "renew"), and a
/// final silent "e" off so "write" and "writing" meet ("writ").
pub(super) fn stem(word: &str) -> String {
    let word = word.to_lowercase();
    if let Some((_, base)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        return drop_e(base);
    }
    drop_e(&strip_ending(&word))
}

fn strip_ending(word: &str) -> String {
    let len = word.chars().count();
    if len <= 3 {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() >= 3) {
        return format!("{stem}y");
    }
    if let Some(stem) = word.strip_suffix("ied").filter(|s| s.len() >= 3) {
        return format!("{stem}y");
    }
    if let Some(stem) = word.strip_suffix("ing").filter(|s| s.chars().count() >= 3) {
        return undouble(stem);
    }
    if word.ends_with("ed") && past(word).is_some() {
        return past(word).unwrap_or_default();
    }
    if let Some(stem) = word.strip_suffix("al").filter(|s| s.chars().count() >= 5) {
        return stem.to_owned();
    }
    if let Some(stem) = word.strip_suffix("es")
        && (stem.ends_with(['s', 'x', 'z']) || stem.ends_with("ch") || stem.ends_with("sh"))
    {
        return stem.to_owned();
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.ends_with(['s', 'u', 'i']) => stem.to_owned(),
        _ => word.to_owned(),
    }
}

/// "shopp" → "shop", "runn" → "run"; "call" and "dress" keep their double letter.
fn undouble(stem: &str) -> String {
    let chars: Vec<char> = stem.chars().collect();
    match chars.as_slice() {
        [.., a, b] if a == b && !matches!(a, 'l' | 's' | 'f' | 'z' | 'e' | 'o') => {
            chars[..chars.len() - 1].iter().collect()
        }
        _ => stem.to_owned(),
    }
}

fn drop_e(word: &str) -> String {
    match word.strip_suffix('e') {
        Some(stem) if stem.chars().count() >= 3 => stem.to_owned(),
        _ => word.to_owned(),
    }
}
