"""Sequence-classification builders over token ids; importing registers them.

``rnn_classifier`` (Elman RNN, LSTM, GRU; stacked, bidirectional), ``text_cnn_classifier``
(Kim 2014), ``bag_of_ngrams_classifier`` (fastText; NBSVM with naive-Bayes token weights)
and ``transformer_classifier`` (keras-hub encoder blocks).
"""

from kerasdl.models.sequence.bag_of_ngrams import bag_of_ngrams_classifier
from kerasdl.models.sequence.convolutional import text_cnn_classifier
from kerasdl.models.sequence.recurrent import CELLS, rnn_classifier
from kerasdl.models.sequence.transformer import transformer_classifier

__all__ = ["CELLS", "bag_of_ngrams_classifier", "rnn_classifier", "text_cnn_classifier", "transformer_classifier"]
