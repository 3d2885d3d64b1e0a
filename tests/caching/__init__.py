"""What is kept and served again: always fresh, never another reader's."""
