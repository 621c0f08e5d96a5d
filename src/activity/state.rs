//! The actual state of an agent at an instant, and the one place that turns states into the
//! tokens reports show (`online`, `away:Lunch`, …).

/// An agent's actual state (SPEC §4, "Actual state timeline").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum State {
    /// Between a logout and the next login (and before a first record that is a login).
    LoggedOut = 0,
    /// Outside coverage, after a login before the first state, before a first record that is
    /// not a login. Excluded from adherence ratios.
    Unknown = 1,
    /// Logged in but offline (status subtype 1).
    Offline = 2,
    Online = 3,
    Occupied = 4,
    Away = 5,
}

/// Reason code meaning "no reason" (away without a reason, and every other state).
pub const NO_REASON: u32 = u32::MAX;

impl State {
    pub const ALL: [State; 6] = [State::LoggedOut, State::Unknown, State::Offline, State::Online, State::Occupied, State::Away];

    pub fn from_code(code: u8) -> State {
        State::ALL[code as usize]
    }

    /// "Logged in" means any state other than `logged_out` and `unknown`.
    #[inline]
    pub fn is_logged_in_code(code: u8) -> bool {
        code >= State::Offline as u8
    }

    /// The state a type-1 record's subtype sets.
    pub fn from_subtype(subtype: i64) -> Option<State> {
        match subtype {
            1 => Some(State::Offline),
            2 => Some(State::Online),
            3 => Some(State::Occupied),
            4 => Some(State::Away),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            State::LoggedOut => "logged_out",
            State::Unknown => "unknown",
            State::Offline => "offline",
            State::Online => "online",
            State::Occupied => "occupied",
            State::Away => "away",
        }
    }
}

/// The token of a state with its reason text (as recorded): `away:Coffee break`.
pub fn token(state: State, reason: Option<&str>) -> String {
    match (state, reason) {
        (State::Away, Some(r)) => format!("away:{r}"),
        _ => state.name().to_string(),
    }
}
