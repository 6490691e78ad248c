"""Apps behind the shared ALBs: the AlbApp component and the group budget it is counted against."""
