//! The chat example's demo: lines reach every other client, and a silent
//! client is told why and disconnected after the idle timeout.

#[path = "../examples/chat.rs"]
#[allow(dead_code)] // the example's `main`
mod chat;

use std::time::Duration;

#[test]
#[cfg_attr(miri, ignore)]
fn chat_relays_lines_and_times_out_a_silent_client() {
    let rt = braid::Runtime::new().unwrap();
    let transcripts = rt.block_on(chat::demo(Duration::from_secs(2))).unwrap();

    assert_eq!(transcripts.bob.last().unwrap(), "guest-2: hello, everyone");
    assert_eq!(transcripts.alice.last().unwrap(), "guest-3: hi alice");
    let silent = &transcripts.silent;
    for relayed in [
        "guest-2: hello, everyone",
        "guest-3: hi alice",
        "* guest-2 left",
    ] {
        assert!(silent.iter().any(|line| line == relayed), "{silent:?}");
    }
    assert_eq!(silent.last().unwrap(), chat::IDLE_BYE, "{silent:?}");
    // Nobody hears their own lines back.
    assert!(
        !transcripts
            .bob
            .iter()
            .any(|line| line.starts_with("guest-3:"))
    );
}
