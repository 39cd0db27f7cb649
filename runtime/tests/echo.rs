//! The echo example's demo, run on both flavours: a vanishing client and a
//! resetting one neither stop the server nor leave it stuck on their
//! connections, and the polite clients after them get their echoes.

mod support;

#[path = "../examples/echo.rs"]
#[allow(dead_code)] // the example's `main`
mod echo;

#[test]
#[cfg_attr(miri, ignore)]
fn the_echo_server_survives_vanishing_and_resetting_clients() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            let demo = rt.block_on(echo::demo()).unwrap();
            assert_eq!(demo.echoes.len(), echo::POLITE_CLIENTS, "{name}");
            for (sent, echoed) in &demo.echoes {
                assert_eq!(sent, echoed, "{name}");
            }
            // The two bad clients' connections ended too (either way), and
            // every polite one ended cleanly after echoing its line.
            assert_eq!(demo.outcomes.len(), echo::POLITE_CLIENTS + 2, "{name}");
            let clean = demo
                .outcomes
                .iter()
                .filter(|(_, outcome)| matches!(outcome, Ok(n) if *n == "hello 0".len()))
                .count();
            assert!(clean >= echo::POLITE_CLIENTS, "{name}: {:?}", demo.outcomes);
        }
    });
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn the_resetting_client_really_resets() {
    // On Linux the reset is no fallback: the server reads it as an error.
    support::eventually(|| {
        let demo = support::current().block_on(echo::demo()).unwrap();
        let reset_client = demo.reset_client.expect("Linux can reset");
        let (_, outcome) = demo
            .outcomes
            .iter()
            .find(|(peer, _)| *peer == reset_client)
            .expect("the reset connection ended on the server");
        let error = outcome.as_ref().expect_err("a reset is an error");
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    });
}
