//! The mix of a traffic plan: how often each kind of push comes.

use serde::{Deserialize, Serialize};

/// Relative weights of each kind of push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mix {
    pub text: f64,
    pub image: f64,
    pub voice: f64,
    pub video: f64,
    pub shortvideo: f64,
    pub location: f64,
    pub link: f64,
    pub subscribe: f64,
    pub unsubscribe: f64,
    pub scan: f64,
    pub location_event: f64,
    pub click: f64,
    pub view: f64,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            text: 60.0,
            image: 8.0,
            voice: 5.0,
            video: 2.0,
            shortvideo: 2.0,
            location: 3.0,
            link: 3.0,
            subscribe: 4.0,
            unsubscribe: 2.0,
            scan: 2.0,
            location_event: 4.0,
            click: 4.0,
            view: 1.0,
        }
    }
}

impl Mix {
    /// Text messages only.
    pub fn texts() -> Self {
        Self {
            text: 1.0,
            image: 0.0,
            voice: 0.0,
            video: 0.0,
            shortvideo: 0.0,
            location: 0.0,
            link: 0.0,
            subscribe: 0.0,
            unsubscribe: 0.0,
            scan: 0.0,
            location_event: 0.0,
            click: 0.0,
            view: 0.0,
        }
    }

    pub(super) fn weights(&self) -> [(Kind, f64); 13] {
        [
            (Kind::Text, self.text),
            (Kind::Image, self.image),
            (Kind::Voice, self.voice),
            (Kind::Video, self.video),
            (Kind::ShortVideo, self.shortvideo),
            (Kind::Location, self.location),
            (Kind::Link, self.link),
            (Kind::Subscribe, self.subscribe),
            (Kind::Unsubscribe, self.unsubscribe),
            (Kind::Scan, self.scan),
            (Kind::LocationEvent, self.location_event),
            (Kind::Click, self.click),
            (Kind::View, self.view),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Image,
    Voice,
    Video,
    ShortVideo,
    Location,
    Link,
    Subscribe,
    Unsubscribe,
    Scan,
    LocationEvent,
    Click,
    View,
}

impl Kind {
    pub(super) fn is_message(self) -> bool {
        matches!(
            self,
            Kind::Text | Kind::Image | Kind::Voice | Kind::Video | Kind::ShortVideo | Kind::Location | Kind::Link
        )
    }
}
