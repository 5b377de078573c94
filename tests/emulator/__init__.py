"""Local emulators of the platforms' HTTP APIs, so posting tests speak the real wire protocol on 127.0.0.1."""
