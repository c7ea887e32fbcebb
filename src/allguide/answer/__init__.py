"""Answering a question: condensing, tool routing, answerers and citation checks."""
