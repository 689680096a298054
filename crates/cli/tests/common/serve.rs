//! A real `fengqiao serve` for tests that sync over loopback (mDNS off).

use std::net::{Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free UDP port on loopback.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// A `fengqiao serve` stopped with SIGTERM (and killed if that fails) when dropped.
pub struct Serve(Child);

impl Serve {
    pub fn start(dir: &Path, listen: &str, ticket_file: &Path) -> (Serve, String) {
        let _ = std::fs::remove_file(ticket_file);
        let child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--no-mdns", "--listen", listen, "--ticket-file"])
            .arg(ticket_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fengqiao serve");
        let serve = Serve(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(t) = std::fs::read_to_string(ticket_file)
                && !t.trim().is_empty()
            {
                return (serve, t.trim().to_owned());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve wrote no ticket");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
