"""newsbot: an async chatbot that distributes the news of a Vietnamese public organisation."""

__version__ = "0.1.0"
