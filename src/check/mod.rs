//! Name resolution, types and shape inference over checked programs.
