//! Tasks, with their assignees.
