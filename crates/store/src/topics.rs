//! Topics tasks are filed under.
