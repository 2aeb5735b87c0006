"""Containers whose members are the content: zip and tar archives, Apple iWork packages."""
