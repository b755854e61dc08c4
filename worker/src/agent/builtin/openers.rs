//! The words a message may start with before its request: greetings ("hi there"), thanks
//! ("great, …"), politeness ("could you please …"), fillers ("oops", "actually"), and a wish
//! ("I want to …", after which a bare activity is a task to add). Also the phrases that ask
//! for help.

use super::intent::Intent;
use super::words::Sentence;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opener {
    Greeting,
    Thanks,
    /// "I want to …": a wish, so a bare activity is a task to add.
    Wish,
    Filler,
}

const OPENERS: &[(&[&str], Opener)] = &[
    (&["good", "morning"], Opener::Greeting),
    (&["good", "afternoon"], Opener::Greeting),
    (&["good", "evening"], Opener::Greeting),
    (&["hi", "there"], Opener::Greeting),
    (&["hey", "there"], Opener::Greeting),
    (&["hello", "there"], Opener::Greeting),
    (&["hi"], Opener::Greeting),
    (&["hey"], Opener::Greeting),
    (&["hello"], Opener::Greeting),
    (&["hiya"], Opener::Greeting),
    (&["howdy"], Opener::Greeting),
    (&["yo"], Opener::Greeting),
    (&["thank", "you"], Opener::Thanks),
    (&["thank", "u"], Opener::Thanks),
    (&["much", "appreciated"], Opener::Thanks),
    (&["appreciate", "it"], Opener::Thanks),
    (&["good", "job"], Opener::Thanks),
    (&["well", "done"], Opener::Thanks),
    (&["got", "it"], Opener::Thanks),
    (&["see", "you"], Opener::Thanks),
    (&["thanks"], Opener::Thanks),
    (&["thx"], Opener::Thanks),
    (&["ty"], Opener::Thanks),
    (&["cheers"], Opener::Thanks),
    (&["great"], Opener::Thanks),
    (&["awesome"], Opener::Thanks),
    (&["perfect"], Opener::Thanks),
    (&["cool"], Opener::Thanks),
    (&["nice"], Opener::Thanks),
    (&["excellent"], Opener::Thanks),
    (&["brilliant"], Opener::Thanks),
    (&["bye"], Opener::Thanks),
    (&["goodbye"], Opener::Thanks),
    (&["ok"], Opener::Thanks),
    (&["okay"], Opener::Thanks),
    (&["alright"], Opener::Thanks),
    (&["i", "want", "you", "to"], Opener::Filler),
    (&["i", "need", "you", "to"], Opener::Filler),
    (&["i", "would", "like", "to"], Opener::Wish),
    (&["id", "like", "to"], Opener::Wish),
    (&["i", "want", "to"], Opener::Wish),
    (&["i", "wanna"], Opener::Wish),
    (&["go", "ahead", "and"], Opener::Filler),
    (&["can", "you"], Opener::Filler),
    (&["could", "you"], Opener::Filler),
    (&["would", "you"], Opener::Filler),
    (&["will", "you"], Opener::Filler),
    (&["can", "u"], Opener::Filler),
    (&["please"], Opener::Filler),
    (&["pls"], Opener::Filler),
    (&["plz"], Opener::Filler),
    (&["kindly"], Opener::Filler),
    (&["so"], Opener::Filler),
    (&["also"], Opener::Filler),
    (&["and"], Opener::Filler),
    (&["now"], Opener::Filler),
    (&["then"], Opener::Filler),
    (&["just"], Opener::Filler),
    (&["quickly"], Opener::Filler),
    (&["um"], Opener::Filler),
    (&["oh"], Opener::Filler),
    (&["yes"], Opener::Filler),
    (&["yeah"], Opener::Filler),
    (&["sure"], Opener::Filler),
    (&["lets"], Opener::Filler),
    (&["you", "can"], Opener::Filler),
    (&["you", "could"], Opener::Filler),
    (&["actually"], Opener::Filler),
    (&["oops"], Opener::Filler),
    (&["whoops"], Opener::Filler),
    (&["ugh"], Opener::Filler),
    (&["ah"], Opener::Filler),
    (&["hmm"], Opener::Filler),
    (&["but"], Opener::Filler),
    (&["plus"], Opener::Filler),
    (&["lol"], Opener::Filler),
];

pub(super) const HELP: &[&[&str]] = &[
    &["help"],
    &["what", "can", "you", "do"],
    &["what", "can", "you"],
    &["what", "do", "you", "do"],
    &["what", "can", "i", "say"],
    &["what", "can", "i", "do"],
    &["what", "should", "i", "say"],
    &["how", "does", "this", "work"],
    &["how", "does", "it", "work"],
    &["how", "do", "i", "use"],
    &["how", "do", "i"],
    &["how", "can", "i"],
    &["how", "do", "you", "work"],
    &["how", "to", "use"],
    &["who", "are", "you"],
    &["what", "are", "you"],
    &["whats", "this"],
    &["commands"],
    &["usage"],
    &["instructions"],
];

/// Takes the openers at the start of the free tokens of `s`, in order.
pub(super) fn take_openers(s: &mut Sentence) -> Vec<Opener> {
    let mut found = Vec::new();
    while let Some(start) = s.first_free() {
        let Some((phrase, opener)) = OPENERS.iter().find(|(p, _)| s.matches(start, p)) else {
            break;
        };
        s.take(start, start + phrase.len());
        found.push(*opener);
    }
    found
}

/// The answer to a message of only greetings, thanks or politeness.
pub(super) fn alone(openers: &[Opener]) -> Intent {
    if openers.contains(&Opener::Thanks) {
        Intent::Thanks
    } else if openers.contains(&Opener::Greeting) {
        Intent::Greeting
    } else {
        Intent::Help
    }
}
