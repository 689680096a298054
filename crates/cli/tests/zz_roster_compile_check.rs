#![allow(dead_code)]
#[path = "../src/cmd_roster.rs"]
mod cmd_roster;
